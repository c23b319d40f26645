# What `cmake --install` puts in place for people to run and read (component "runtime"): the
# cloister executable, the shipped profiles, the man pages and the bash and zsh completions
# (both written into the build tree by tools/gen_docs.cpp from src/manual/). Libraries,
# headers and pkg-config files are cmake/InstallLibrary.cmake's.
#
# The profiles go to DATADIR/cloister/profiles, where `--profile NAME` looks
# (src/policy/profile_search.cpp): beside the running binary (PREFIX/bin/cloister ->
# PREFIX/share/cloister/profiles) and in CMAKE_INSTALL_FULLDATADIR, the directory this build
# was configured for.
include(GNUInstallDirs)

set(CLOISTER_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "Where the bash completion goes (bash-completion loads it from there on demand)")
# zsh looks in site-functions under /usr/local; Debian's zsh in vendor-completions under /usr.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(CLOISTER_ZSH_DEFAULT "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions")
else()
  set(CLOISTER_ZSH_DEFAULT "${CMAKE_INSTALL_DATADIR}/zsh/site-functions")
endif()
set(CLOISTER_ZSH_COMPLETION_DIR "${CLOISTER_ZSH_DEFAULT}"
    CACHE STRING "Where the zsh completion (_cloister) goes: a directory in zsh's fpath")

install(TARGETS cloister RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# cloister-oci: the OCI runtime command line (podman --runtime /usr/bin/cloister-oci).
install(CODE "file(CREATE_LINK cloister \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/cloister-oci\" SYMBOLIC)"
        COMPONENT runtime)
install(FILES ${CLOISTER_SHIPPED_PROFILES}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cloister/profiles COMPONENT runtime)
# man/man1/*.1 and man/man5/*.5, as gen_docs wrote them.
install(DIRECTORY ${CLOISTER_DOCS_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}
        COMPONENT runtime)
install(FILES ${CLOISTER_DOCS_DIR}/completions/cloister
        DESTINATION ${CLOISTER_BASH_COMPLETION_DIR} COMPONENT runtime)
install(FILES ${CLOISTER_DOCS_DIR}/completions/_cloister
        DESTINATION ${CLOISTER_ZSH_COMPLETION_DIR} COMPONENT runtime)
