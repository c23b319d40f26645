// The runtime spec's features document of this runtime (`cloister oci features`).
#pragma once

#include <string>
#include <vector>

#include "oci/json_reader.hpp"

namespace cloister::oci {

// Every mount option config.json's mounts may carry (the reader accepts exactly these,
// besides mode= and size= for tmpfs and devpts's own).
const std::vector<std::string>& supported_mount_options();
Json features_json();

}  // namespace cloister::oci
