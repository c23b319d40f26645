// What libcloister exports: the C API (cloister_*) and the C++ API (cloister::), nothing
// else (the build compiles with hidden visibility and a version script).
#pragma once

#define CLOISTER_API __attribute__((visibility("default")))
