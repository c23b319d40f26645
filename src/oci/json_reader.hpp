// Reading config.json and state files: typed access to JSON values whose errors name the key
// as a path ("process.user.uid", "mounts[3].options[1]"), and a check that an object holds
// no key cloister does not know (an unknown key is an error, never silently skipped).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/error.hpp"

namespace cloister::oci {

using Json = nlohmann::json;

// "<key>: <what> (<hint>)", from config.json (the step names the key).
Error spec_error(const std::string& key, std::string what, std::string hint = "");

std::string member(const std::string& key, std::string_view name);  // key.name
std::string element(const std::string& key, std::size_t index);     // key[index]

Status expect_object(const Json& value, const std::string& key);
// Every key of `object` is one of `known`; the first that is not is named.
Status known_keys(const Json& object, const std::string& key,
                  std::initializer_list<std::string_view> known);

Result<std::string> string_of(const Json& value, const std::string& key);
Result<bool> bool_of(const Json& value, const std::string& key);
Result<std::int64_t> int_of(const Json& value, const std::string& key);
Result<std::uint64_t> uint_of(const Json& value, const std::string& key);
Result<std::vector<std::string>> strings_of(const Json& value, const std::string& key);

// The member `name` of `object`, or nullptr when absent (or JSON null).
const Json* find(const Json& object, std::string_view name);

}  // namespace cloister::oci
