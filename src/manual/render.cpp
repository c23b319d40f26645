// The manual's pages as --help text and as roff (man(7) macros).
#include <algorithm>
#include <cctype>
#include <string>

#include "manual/manual.hpp"

namespace cloister::manual {
namespace {

constexpr std::size_t kWidth = 79;       // --help lines
constexpr std::size_t kHelpColumn = 28;  // where an option's help starts

// ---- --help ----

// `text` wrapped at kWidth, every line indented by `indent` spaces; the first line continues
// one already `first_used` columns long.
std::string wrap(const std::string& text, std::size_t indent, std::size_t first_used) {
  std::string out;
  std::size_t column = first_used;
  std::size_t pos = 0;
  bool line_empty = true;
  if (column < indent) {
    out.append(indent - column, ' ');
    column = indent;
  }
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    if (end == pos) break;
    const std::size_t length = end - pos;
    if (!line_empty && column + 1 + length > kWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out.append(text, pos, length);
    column += length;
    line_empty = false;
    pos = end;
  }
  return out + "\n";
}

std::string option_term(const Option& o) {
  std::string term = o.alias.empty() ? o.name : o.alias + ", " + o.name;
  for (std::size_t i = 0; i < o.args.size(); ++i)
    term += (o.joined && i == 0 ? "=" : " ") + o.args[i].metavar;
  return term;
}

// "  TERM                      help", the help on the next line when TERM is long.
std::string term_and_help(const std::string& term, const std::string& help) {
  std::string out = "  " + term;
  if (out.size() + 2 > kHelpColumn) return out + "\n" + wrap(help, kHelpColumn, 0);
  return out + wrap(help, kHelpColumn, out.size());
}

// ---- roff ----

// Escapes what roff would read as its own: backslashes, hyphens (\- stays an ASCII
// hyphen-minus and is never a place to break or hyphenate a line), quotes that would render
// as typographic ones.
std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\e"; break;
      case '-': out += "\\-"; break;
      case '\'': out += "\\(aq"; break;
      case '`': out += "\\(ga"; break;
      default: out += c;
    }
  }
  return out;
}

// A control character ('.' or '\'') at the start of a text line would make it a request.
std::string text_line(const std::string& line) {
  if (!line.empty() && (line[0] == '.' || line[0] == '\'')) return "\\&" + line;
  return line;
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// A synopsis or metavar: literal words (lowercase, or starting with '-') bold, placeholders
// (uppercase) italic, punctuation plain: "[--json] FILE|NAME".
std::string words(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!word_char(text[i])) {
      out += escape(text.substr(i, 1));
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && word_char(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    bool lower = false, upper = false;
    for (char c : word) {
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
      upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    }
    if (lower || word[0] == '-')
      out += "\\fB" + escape(word) + "\\fR";
    else if (upper)
      out += "\\fI" + escape(word) + "\\fR";
    else
      out += escape(word);
    i = end;
  }
  return out;
}

// Running text: `code` bold, and so is every --option written in it.
std::string inline_text(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '`') {
      const std::size_t close = text.find('`', i + 1);
      const std::size_t end = close == std::string_view::npos ? text.size() : close;
      out += "\\fB" + escape(text.substr(i + 1, end - i - 1)) + "\\fR";
      i = end == text.size() ? end : end + 1;
      continue;
    }
    const bool starts_word = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(';
    if (starts_word && text.substr(i, 2) == "--" && i + 2 < text.size() &&
        std::isalpha(static_cast<unsigned char>(text[i + 2]))) {
      std::size_t end = i + 2;
      while (end < text.size() && word_char(text[end])) ++end;
      out += "\\fB" + escape(text.substr(i, end - i)) + "\\fR";
      i = end;
      continue;
    }
    out += escape(text.substr(i, 1));
    ++i;
  }
  return out;
}

std::string paragraph(const std::string& text) {
  if (text.rfind("- ", 0) == 0)
    return ".IP \\(bu 2\n" + text_line(inline_text(text.substr(2))) + "\n";
  return ".PP\n" + text_line(inline_text(text)) + "\n";
}

// Lines shown as they are (examples, profile keys), in the current indentation.
std::string verbatim(const std::string& text) {
  std::string out = ".nf\n";
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out += text_line(escape(text.substr(start, end - start))) + "\n";
    start = end + 1;
  }
  return out + ".fi\n";
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string roff_option(const Option& o) {
  std::string term = o.alias.empty() ? "" : words(o.alias) + ", ";
  term += words(o.name);
  for (std::size_t i = 0; i < o.args.size(); ++i)
    term += (o.joined && i == 0 ? "=" : " ") + words(o.args[i].metavar);
  std::string out = ".TP\n" + text_line(term) + "\n" + text_line(inline_text(o.help)) + "\n";
  if (!o.more.empty()) out += ".IP\n" + text_line(inline_text(o.more)) + "\n";
  return out;
}

std::string roff_section(const Section& s) {
  std::string out = (s.subsection ? ".SS " : ".SH ") + std::string("\"") + escape(s.title) + "\"\n";
  for (const auto& p : s.paragraphs) out += paragraph(p);
  for (const auto& item : s.items) {
    out += ".TP\n\\fB" + escape(item.term) + "\\fR\n" + text_line(inline_text(item.text)) + "\n";
    if (!item.example.empty()) out += ".br\n" + verbatim(item.example);
  }
  return out;
}

}  // namespace

std::string plain(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '`') out += c;
  return out;
}

std::string help_text(const Page& p, const std::string& program) {
  const std::string command = program.empty() ? p.command : program;
  std::string out;
  for (std::size_t i = 0; i < p.usage.size(); ++i)
    out += (i == 0 ? "usage: " : "       ") + command + " " + p.usage[i] + "\n";
  if (!p.description.empty()) out += "\n" + wrap(plain(p.description.front()), 0, 0);
  if (!p.commands.empty()) {
    out += "\nCommands:\n";
    for (const auto& c : p.commands) out += term_and_help(c.name, c.summary);
  }
  for (const auto& group : p.options) {
    out += "\n" + group.title + ":\n";
    if (!group.intro.empty()) out += wrap(plain(group.intro), 2, 0);
    for (const auto& o : group.options) out += term_and_help(option_term(o), plain(o.help));
  }
  if (p.run_options) out += "\nRUN OPTIONS are cloister run's: see cloister run --help.\n";
  if (!p.examples.empty()) {
    out += "\nExamples:\n";
    for (const auto& e : p.examples) {
      if (!e.text.empty()) out += "  # " + plain(e.text) + "\n";
      // A file's lines (a group file) each indented, as a command's.
      for (std::size_t start = 0; start <= e.command.size();) {
        const std::size_t end = std::min(e.command.find('\n', start), e.command.size());
        out += "  " + e.command.substr(start, end - start) + "\n";
        start = end + 1;
      }
    }
  }
  return out + "\nThe manual: man " + p.name + "\n";
}

std::string roff(const Page& p, const std::string& version) {
  std::string out =
      ".\\\" Generated by tools/gen_docs.cpp from src/manual/: edit those, not this.\n";
  out += ".TH \"" + escape(upper(p.name)) + "\" \"" + std::to_string(p.section) +
         "\" \"\" \"cloister " + escape(version) + "\" \"cloister manual\"\n";
  out += ".nh\n.ad l\n";
  out += ".SH NAME\n" + escape(p.name) + " \\- " + escape(p.summary) + "\n";
  if (!p.usage.empty()) {
    out += ".SH SYNOPSIS\n";
    for (std::size_t i = 0; i < p.usage.size(); ++i)
      out += (i ? ".br\n" : "") + text_line(words(p.command) + " " + words(p.usage[i])) + "\n";
  }
  out += ".SH DESCRIPTION\n";
  for (const auto& text : p.description) out += paragraph(text);
  if (!p.commands.empty()) {
    out += ".SH COMMANDS\n";
    for (const auto& c : p.commands)
      out += ".TP\n" + text_line(words(c.name) + (c.usage.empty() ? "" : " " + words(c.usage))) +
             "\n" + text_line(inline_text(c.summary)) + "\n";
  }
  if (!p.options.empty()) {
    out += ".SH OPTIONS\n";
    const bool titled = p.options.size() > 1;
    for (const auto& group : p.options) {
      if (titled) out += ".SS \"" + escape(group.title) + "\"\n";
      if (!group.intro.empty()) out += paragraph(group.intro);
      for (const auto& o : group.options) out += roff_option(o);
    }
    if (p.run_options) out += ".PP\nAnd cloister run's options: see \\fBcloister\\-run\\fR(1).\n";
  }
  for (const auto& s : p.sections) out += roff_section(s);
  if (!p.examples.empty()) {
    out += ".SH EXAMPLES\n";
    for (const auto& e : p.examples) {
      if (!e.text.empty()) out += paragraph(e.text);
      out += ".PP\n.RS 4\n" + verbatim(e.command) + ".RE\n";
    }
  }
  if (!p.see_also.empty()) {
    out += ".SH \"SEE ALSO\"\n";
    std::string line;
    for (const auto& ref : p.see_also) {
      const auto paren = ref.find('(');
      line += (line.empty() ? "" : ", ") + std::string("\\fB") + escape(ref.substr(0, paren)) +
              "\\fR" + ref.substr(paren);
    }
    out += text_line(line) + "\n";
  }
  return out;
}

}  // namespace cloister::manual
