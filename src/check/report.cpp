#include "check/report.hpp"

#include <cstdio>
#include <sstream>

namespace cloister::check {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void text_rows(std::ostringstream& o, const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    o << (r.ok ? "  yes  " : "  no   ") << r.what << "\n";
    if (!r.detail.empty()) o << "         " << r.detail << "\n";
    if (!r.reason.empty()) o << "         why: " << r.reason << "\n";
    if (!r.fix.empty()) o << "         fix: " << r.fix << "\n";
  }
}

void json_rows(std::ostringstream& o, const std::vector<Row>& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    // One row a line: scripts may read it with grep as well as with a JSON parser.
    o << "    {\"id\": " << json_string(r.id) << ", \"ok\": " << (r.ok ? "true" : "false")
      << ", \"what\": " << json_string(r.what) << ", \"detail\": " << json_string(r.detail)
      << ", \"reason\": " << json_string(r.reason) << ", \"fix\": " << json_string(r.fix) << "}"
      << (i + 1 < rows.size() ? "," : "") << "\n";
  }
}

}  // namespace

std::string rows_text(const std::vector<Row>& rows) {
  std::ostringstream o;
  text_rows(o, rows);
  return o.str();
}

std::string report_text(const Report& report) {
  std::ostringstream o;
  o << "What this kernel allows uid " << report.uid << " (each found by trying it):\n";
  text_rows(o, report.kernel);
  o << "\nSandboxes for this caller (cloister run, tried for real):\n";
  text_rows(o, report.modes);
  o << "\n";
  if (report.namespace_mode)
    o << "cloister run works here in namespace mode.\n";
  else if (report.chroot_mode)
    o << "Namespaces are refused here; chroot mode works: cloister run --sandbox=auto (or "
         "chroot) falls back to it.\n";
  else
    o << "Neither namespace mode nor chroot mode can run here.\n";
  return o.str();
}

std::string report_json(const Report& report) {
  std::ostringstream o;
  o << "{\n  \"uid\": " << report.uid << ",\n  \"kernel\": [\n";
  json_rows(o, report.kernel);
  o << "  ],\n  \"modes\": [\n";
  json_rows(o, report.modes);
  o << "  ],\n  \"namespace-mode\": " << (report.namespace_mode ? "true" : "false")
    << ",\n  \"chroot-mode\": " << (report.chroot_mode ? "true" : "false") << "\n}\n";
  return o.str();
}

}  // namespace cloister::check
