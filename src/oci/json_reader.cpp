#include "oci/json_reader.hpp"

#include <algorithm>
#include <limits>

namespace cloister::oci {

Error spec_error(const std::string& key, std::string what, std::string hint) {
  return Error{key, std::move(what), "", 0, std::move(hint)};
}

std::string member(const std::string& key, std::string_view name) {
  return key.empty() ? std::string(name) : key + "." + std::string(name);
}

std::string element(const std::string& key, std::size_t index) {
  return key + "[" + std::to_string(index) + "]";
}

namespace {

const char* type_name(const Json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  return "null";
}

Error wrong_type(const Json& value, const std::string& key, const char* wanted) {
  return spec_error(key, std::string("must be ") + wanted + ", not " + type_name(value));
}

}  // namespace

Status expect_object(const Json& value, const std::string& key) {
  if (!value.is_object()) return wrong_type(value, key, "an object");
  return ok_status();
}

Status known_keys(const Json& object, const std::string& key,
                  std::initializer_list<std::string_view> known) {
  CLOISTER_TRY(expect_object(object, key));
  for (const auto& [name, value] : object.items()) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    return spec_error(member(key, quote(name, 48)), "is not supported by cloister",
                      "remove it, or run this container with another runtime");
  }
  return ok_status();
}

Result<std::string> string_of(const Json& value, const std::string& key) {
  if (!value.is_string()) return wrong_type(value, key, "a string");
  return value.get<std::string>();
}

Result<bool> bool_of(const Json& value, const std::string& key) {
  if (!value.is_boolean()) return wrong_type(value, key, "a boolean");
  return value.get<bool>();
}

Result<std::int64_t> int_of(const Json& value, const std::string& key) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(value.get<std::uint64_t>());
  return wrong_type(value, key, "an integer");
}

Result<std::uint64_t> uint_of(const Json& value, const std::string& key) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  return wrong_type(value, key, "an integer of 0 or more");
}

Result<std::vector<std::string>> strings_of(const Json& value, const std::string& key) {
  if (!value.is_array()) return wrong_type(value, key, "an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto s = string_of(value[i], element(key, i));
    if (!s) return s.take_error();
    out.push_back(std::move(*s));
  }
  return out;
}

const Json* find(const Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace cloister::oci
