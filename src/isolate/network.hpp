// Network isolation: a new network namespace holds only `lo`, which cloister brings up.
#pragma once

#include "cloister/error.hpp"

namespace cloister::net {

// Child side, inside the new network namespace: IFF_UP on `lo` (the kernel then gives it
// 127.0.0.1/8 and ::1), so loopback servers inside the sandbox work.
Status bring_up_loopback();

}  // namespace cloister::net
