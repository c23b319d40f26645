// The parts of the manual each page file builds (internal to src/manual/).
#pragma once

#include <vector>

#include "manual/manual.hpp"

namespace cloister::manual {

std::vector<OptionGroup> run_option_groups();  // run_options.cpp

Page cloister_page();  // pages.cpp
Page run_page();
Page bwrap_page();
Page explain_page();
Page check_page();
Page learn_page();
Page supervise_page();  // supervise_page.cpp
Page oci_page();        // oci_page.cpp
Page profile_page();    // profile_page.cpp

}  // namespace cloister::manual
