// config.json's annotations: kept for `state`, and cloister's own additions from the
// org.cloister.* keys (Landlock rules and scopes on top of what the spec can say, a cloister
// profile: spec_profile.cpp).
#include <sstream>

#include "oci/spec.hpp"

namespace cloister::oci {
namespace {

constexpr std::string_view kPrefix = "org.cloister.";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Status landlock_paths(const std::string& value, const std::string& key, Container& c,
                      bool LandlockPolicy::PathRule::*right) {
  for (const auto& path : split(value, ':')) {
    if (path.front() != '/') return spec_error(key, quote(path) + " is not an absolute path");
    LandlockPolicy::PathRule rule;
    rule.path = path;
    rule.*right = true;
    c.policy.landlock.paths.push_back(rule);
  }
  return ok_status();
}

Status landlock_scope(const std::string& value, const std::string& key, Container& c) {
  for (const auto& scope : split(value, ',')) {
    if (scope == "signal")
      c.policy.landlock.scope_signal = true;
    else if (scope == "abstract-unix")
      c.policy.landlock.scope_abstract_unix = true;
    else
      return spec_error(key, "unknown scope " + quote(scope), "signal, abstract-unix");
  }
  return ok_status();
}

Status landlock_mode(const std::string& value, const std::string& key, Container& c) {
  if (value == "required")
    c.policy.landlock.mode = LandlockPolicy::Mode::Required;
  else if (value == "best-effort")
    c.policy.landlock.mode = LandlockPolicy::Mode::BestEffort;
  else
    return spec_error(key, "must be required or best-effort, not " + quote(value));
  return ok_status();
}

Status cloister_annotation(const std::string& name, const std::string& value, Container& c) {
  const auto key = "annotations." + name;
  using Rule = LandlockPolicy::PathRule;
  if (name == "org.cloister.landlock.read") return landlock_paths(value, key, c, &Rule::read);
  if (name == "org.cloister.landlock.write") return landlock_paths(value, key, c, &Rule::write);
  if (name == "org.cloister.landlock.exec") return landlock_paths(value, key, c, &Rule::exec);
  if (name == "org.cloister.landlock.ioctl-dev")
    return landlock_paths(value, key, c, &Rule::ioctl_dev);
  if (name == "org.cloister.landlock.scope") return landlock_scope(value, key, c);
  if (name == "org.cloister.landlock.mode") return landlock_mode(value, key, c);
  // Applied once the rest of config.json is read (apply_profile): it stacks on it.
  if (name == "org.cloister.profile") return ok_status();
  return spec_error(key, "is not an annotation cloister knows",
                    "org.cloister.profile, org.cloister.landlock.{read,write,exec,ioctl-dev,"
                    "scope,mode}");
}

}  // namespace

Status read_annotations(const Json& annotations, Container& c) {
  CLOISTER_TRY(expect_object(annotations, "annotations"));
  for (const auto& [name, value] : annotations.items()) {
    auto text = string_of(value, "annotations." + name);
    if (!text) return text.take_error();
    if (name.rfind(kPrefix, 0) == 0) CLOISTER_TRY(cloister_annotation(name, *text, c));
    c.annotations.emplace(name, std::move(*text));
  }
  // Exec rights are granted with read ones: a path one may run is one one may read.
  for (auto& rule : c.policy.landlock.paths)
    if (rule.exec) rule.read = true;
  return ok_status();
}

}  // namespace cloister::oci
