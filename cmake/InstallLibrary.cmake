# libcloister's install: the public headers, the shared library (with its SONAME) and the
# static one, cloister.pc for pkg-config and a CMake package (find_package(cloister)).
include(CMakePackageConfigHelpers)

install(FILES include/cloister/cloister.h include/cloister/sandbox.hpp
              include/cloister/policy.hpp include/cloister/error.hpp include/cloister/export.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cloister COMPONENT library)
install(TARGETS cloister_shared cloister_static EXPORT cloisterTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library)
install(EXPORT cloisterTargets NAMESPACE cloister:: FILE cloisterTargets.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cloister COMPONENT library)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cloisterConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cloisterConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cloister)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cloisterConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cloisterConfig.cmake
              ${CMAKE_BINARY_DIR}/cloisterConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cloister COMPONENT library)

# pkg-config: prefix-relative, so a DESTDIR or relocated install stays usable with
# PKG_CONFIG_SYSROOT_DIR or --define-prefix.
configure_file(${CMAKE_CURRENT_LIST_DIR}/cloister.pc.in ${CMAKE_BINARY_DIR}/cloister.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cloister.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT library)
