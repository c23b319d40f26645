// The manual (src/manual/) against what it documents: every option each command-line parser
// accepts is in it and every option in it is accepted; every profile key it names loads and
// every key the profile loader reads is named; so for the group file of cloister supervise;
// --help, the man pages and the completions are made from it.
#include "manual/manual.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "manual/completion.hpp"
#include "policy/cli.hpp"
#include "policy/group_file.hpp"
#include "policy/profile.hpp"
#include "policy/subcommands.hpp"

namespace cloister {
namespace {

using Names = std::set<std::string>;
using cli::Dialect;

Names manual_options(const manual::Page& page) {
  Names names;
  for (const auto* o : manual::options_of(page)) {
    EXPECT_TRUE(names.insert(o->name).second) << page.name << " lists " << o->name << " twice";
    if (!o->alias.empty()) names.insert(o->alias);
  }
  return names;
}

Names as_set(const std::vector<std::string>& v) { return Names(v.begin(), v.end()); }

// The names in `a` that are not in `b`, for a failure message that says what drifted.
std::string missing(const Names& a, const Names& b) {
  std::string out;
  for (const auto& n : a)
    if (!b.count(n)) out += " " + n;
  return out;
}

void expect_same(const Names& parser, const Names& manual, const std::string& what) {
  EXPECT_EQ(missing(parser, manual), "") << what << ": accepted but not in the manual";
  EXPECT_EQ(missing(manual, parser), "") << what << ": in the manual but not accepted";
}

TEST(Manual, RunPageListsExactlyTheOptionsCloisterRunAccepts) {
  const Names parser = as_set(cli::option_names(Dialect::Run));
  EXPECT_GT(parser.size(), 80u);
  expect_same(parser, manual_options(manual::page("cloister-run")), "cloister run");
}

TEST(Manual, BwrapPageListsExactlyTheOptionsCloisterBwrapAccepts) {
  const Names parser = as_set(cli::option_names(Dialect::Bwrap));
  expect_same(parser, manual_options(manual::page("cloister-bwrap")), "cloister bwrap");
  // What the bwrap page leaves out, the bwrap dialect refuses as cloister run's.
  for (const auto* o : manual::options_of(manual::page("cloister-run"))) {
    if (o->dialects != manual::Dialects::RunOnly) continue;
    std::vector<std::string> args = {o->name};
    for (std::size_t i = 0; i < o->args.size(); ++i) args.push_back("3");
    auto r = cli::parse(args, Dialect::Bwrap);
    ASSERT_FALSE(r.ok()) << o->name;
    EXPECT_EQ(r.error().op, "is cloister run's") << o->name;
  }
}

TEST(Manual, SubcommandPagesListExactlyTheirOwnOptions) {
  for (const char* sub : {"explain", "check", "learn", "supervise"}) {
    const auto& page = manual::page(std::string("cloister-") + sub);
    expect_same(as_set(cli::own_option_names(sub)), manual_options(page), sub);
  }
  EXPECT_TRUE(cli::own_option_names("run").empty());
}

// Each of a subcommand's own options does something: its parser sets what it names.
TEST(Manual, SubcommandOptionsTakeEffect) {
  auto explain =
      cli::parse_explain({"--json", "--groups", "--bind", "/a", "/b", "--", "x", "--json"});
  ASSERT_TRUE(explain.ok());
  EXPECT_TRUE(explain->json);
  EXPECT_TRUE(explain->groups);
  // After "--" the words are COMMAND's.
  EXPECT_EQ(explain->run_args,
            (std::vector<std::string>{"--bind", "/a", "/b", "--", "x", "--json"}));
  EXPECT_TRUE(cli::parse_explain({"-h"})->help);

  auto check = cli::parse_check({"--json"});
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->json);
  EXPECT_TRUE(cli::parse_check({"-h"})->help);
  auto bad = cli::parse_check({"--jsn"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "--jsn: is not an option of cloister check (see --help)");

  for (const std::vector<std::string>& form :
       {std::vector<std::string>{"-o", "f.toml", "--append", "--net=host", "x"},
        std::vector<std::string>{"--output", "f.toml", "--append", "--net=host", "x"},
        std::vector<std::string>{"--output=f.toml", "--append", "--net=host", "x"}}) {
    auto learn = cli::parse_learn(form);
    ASSERT_TRUE(learn.ok()) << form[0];
    EXPECT_EQ(learn->output, "f.toml");
    EXPECT_TRUE(learn->append);
    EXPECT_EQ(learn->run_args, (std::vector<std::string>{"--net=host", "x"}));
  }
  EXPECT_FALSE(cli::parse_learn({"--append", "x"}).ok()) << "-o is required";
  EXPECT_FALSE(cli::parse_learn({"-o"}).ok()) << "-o takes a value";
  EXPECT_TRUE(cli::parse_learn({"--help"})->help);
}

// An option shown as --name=VALUE is accepted in that form, with each of its choices.
TEST(Manual, JoinedOptionsParseInTheirShownForm) {
  int joined = 0;
  for (const auto* o : manual::options_of(manual::page("cloister-run"))) {
    if (!o->joined) continue;
    ++joined;
    ASSERT_EQ(o->args.size(), 1u) << o->name;
    ASSERT_FALSE(o->args[0].choices.empty()) << o->name;
    for (const auto& choice : o->args[0].choices) {
      auto r = cli::parse({o->name + "=" + choice, "true"}, Dialect::Run);
      EXPECT_TRUE(r.ok()) << o->name << "=" << choice << ": "
                          << (r.ok() ? "" : r.error().message());
      auto spaced = cli::parse({o->name, choice, "true"}, Dialect::Run);
      EXPECT_TRUE(spaced.ok()) << o->name << " " << choice;
    }
  }
  EXPECT_EQ(joined, 4);  // --net, --landlock, --cgroup, --sandbox
}

// Options that take a fixed set of words: the manual's choices are the ones the parser takes,
// and a word outside them is refused.
TEST(Manual, ChoicesAreWhatTheParserTakes) {
  for (const auto* o : manual::options_of(manual::page("cloister-run"))) {
    for (const auto& a : o->args) {
      if (a.complete != manual::Complete::Choice) continue;
      for (const auto& choice : a.choices)
        EXPECT_TRUE(cli::parse({o->name, choice, "true"}, Dialect::Run).ok())
            << o->name << " " << choice;
      EXPECT_FALSE(cli::parse({o->name, "no-such-choice", "true"}, Dialect::Run).ok()) << o->name;
    }
  }
}

TEST(Manual, SeccompRuleOptionsAddALayerEach) {
  auto r =
      cli::parse({"--seccomp-allow", "@debug", "--seccomp-deny", "mkdir", "true"}, Dialect::Run);
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& layers = r->policy.seccomp.layers;
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0][0].name, "@debug");
  EXPECT_EQ(layers[0][0].action.kind, SeccompAction::Kind::Allow);
  EXPECT_EQ(layers[0][0].origin, "--seccomp-allow");
  EXPECT_EQ(layers[1][0].name, "mkdir");
  EXPECT_EQ(layers[1][0].action.kind, SeccompAction::Kind::Errno);
  EXPECT_EQ(layers[1][0].action.errno_value, EPERM);
  auto group = cli::parse({"--seccomp-allow", "@no-such-group", "true"}, Dialect::Run);
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.error().message().find("unknown syscall group '@no-such-group'"),
            std::string::npos)
      << group.error().message();
  EXPECT_FALSE(cli::parse({"--seccomp-deny", "no_such_call", "true"}, Dialect::Run).ok());
}

// What --help, the man pages and the completions show must be readable everywhere: ASCII
// text, help that ends a sentence, metavars in capitals.
TEST(Manual, TextIsPlainAsciiAndEveryOptionIsDescribed) {
  auto ascii = [](const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); });
  };
  for (const auto& page : manual::pages()) {
    EXPECT_TRUE(ascii(page.summary)) << page.name;
    for (const auto& p : page.description) EXPECT_TRUE(ascii(p)) << page.name << ": " << p;
    for (const auto* o : manual::options_of(page)) {
      EXPECT_TRUE(ascii(o->help) && ascii(o->more)) << o->name;
      ASSERT_FALSE(o->help.empty()) << o->name;
      EXPECT_EQ(o->help.back(), '.') << page.name << " " << o->name;
      for (const auto& a : o->args)
        EXPECT_TRUE(std::regex_match(a.metavar, std::regex("[A-Z0-9_:=|/@.\\[\\]]+")))
            << o->name << " " << a.metavar;
    }
    for (const auto& s : page.sections) {
      for (const auto& p : s.paragraphs) EXPECT_TRUE(ascii(p)) << p;
      for (const auto& i : s.items) EXPECT_TRUE(ascii(i.term + i.text + i.example)) << i.term;
    }
    for (const auto& e : page.examples) EXPECT_TRUE(ascii(e.text + e.command)) << e.command;
  }
}

// A command line of the manual's examples, split as a shell would split these simple ones.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// Every example of cloister run, bwrap, explain and learn parses as written.
TEST(Manual, ExamplesParse) {
  int parsed = 0;
  for (const auto& page : manual::pages()) {
    for (const auto& e : page.examples) {
      const auto words = shell_words(e.command);
      if (words.size() < 2 || words[0] != "cloister") continue;
      std::vector<std::string> rest(words.begin() + 2, words.end());
      if (words[1] == "run" || words[1] == "bwrap") {
        if (std::find(rest.begin(), rest.end(), "--profile") != rest.end()) continue;  // files
        auto r = cli::parse(rest, words[1] == "run" ? Dialect::Run : Dialect::Bwrap);
        ASSERT_TRUE(r.ok()) << e.command << ": " << r.error().message();
        EXPECT_FALSE(r->policy.argv.empty()) << e.command;
        ++parsed;
      } else if (words[1] == "explain") {
        auto own = cli::parse_explain(rest);
        ASSERT_TRUE(own.ok()) << e.command;
        if (std::find(rest.begin(), rest.end(), "--profile") != rest.end()) continue;
        EXPECT_TRUE(cli::parse(own->run_args, Dialect::Run).ok()) << e.command;
        ++parsed;
      } else if (words[1] == "learn") {
        auto own = cli::parse_learn(rest);
        ASSERT_TRUE(own.ok()) << e.command;
        EXPECT_TRUE(cli::parse(own->run_args, Dialect::Run).ok()) << e.command;
        ++parsed;
      }
    }
  }
  EXPECT_GE(parsed, 8);
}

// ---- cloister-profile(5) ----

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cloister-manual-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::string path_;
};

// The TOML table a subsection of the profile page is about: "[seccomp] rule tables" ->
// "[seccomp]"; "" for the top level.
std::string table_of(const std::string& title) {
  if (title.empty() || title[0] != '[') return "";
  return title.substr(0, title.find(']') + 1);
}

// Every key's example, in its table, is a profile the loader takes.
TEST(ManualProfile, EveryExampleLoads) {
  TempDir dir;
  dir.write("common.toml", "");
  int examples = 0;
  for (const auto& s : manual::page("cloister-profile").sections) {
    for (const auto& item : s.items) {
      if (item.example.empty()) continue;
      const std::string table = table_of(s.title);
      const std::string text = (table.empty() ? "" : table + "\n") + item.example + "\n";
      Policy policy;
      auto st = profile::load_file(dir.write("example.toml", text), policy);
      EXPECT_TRUE(st.ok()) << item.term << ":\n" << text << (st.ok() ? "" : st.error().message());
      ++examples;
    }
  }
  EXPECT_GT(examples, 50);
  for (const auto& e : manual::page("cloister-profile").examples) {
    Policy policy;
    auto st = profile::load_text(e.command, "example.toml", policy);
    EXPECT_TRUE(st.ok()) << e.command << "\n" << (st.ok() ? "" : st.error().message());
  }
}

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(CLOISTER_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << relative;
  return text.str();
}

// Every key the loader compares a key against (k == "...", key == "...", the ops tables) is
// a term or a table of the profile page, and the page has no key the loader does not compare.
TEST(ManualProfile, KeysAreTheLoadersKeys) {
  Names loader;
  for (const char* file : {"src/policy/profile.cpp", "src/policy/profile_sections.cpp"}) {
    const std::string source = read_source(file);
    for (const std::regex& re : {std::regex(R"re(\b(?:k|key) [!=]= "([a-z0-9-]+)")re"),
                                 std::regex(R"re(\{"([a-z-]+)", Kind::)re")}) {
      for (auto it = std::sregex_iterator(source.begin(), source.end(), re);
           it != std::sregex_iterator(); ++it)
        loader.insert((*it)[1]);
    }
    const auto fd_ops = source.find("kFdOps[] = {");
    if (fd_ops != std::string::npos) {
      const std::string list = source.substr(fd_ops, source.find('}', fd_ops) - fd_ops);
      const std::regex word(R"re("([a-z-]+)")re");
      for (auto it = std::sregex_iterator(list.begin(), list.end(), word);
           it != std::sregex_iterator(); ++it)
        loader.insert((*it)[1]);
    }
  }
  EXPECT_GT(loader.size(), 45u);
  Names documented;
  for (const auto& s : manual::page("cloister-profile").sections) {
    if (!s.subsection) continue;
    const std::string table = table_of(s.title);  // "[cgroup]": the key "cgroup" at the top
    if (!table.empty()) documented.insert(table.substr(1, table.size() - 2));
    for (const auto& item : s.items) {
      std::stringstream terms(item.term);
      for (std::string t; std::getline(terms, t, ',');) {
        t.erase(0, t.find_first_not_of(' '));
        if (t != "NAME") documented.insert(t);  // [rlimits]: the limits' names
      }
    }
  }
  expect_same(loader, documented, "profile keys");
}

TEST(ManualProfile, ShippedProfilesAreTheFilesInProfiles) {
  Names files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CLOISTER_SOURCE_DIR) + "/profiles"))
    if (entry.path().extension() == ".toml") files.insert(entry.path().stem().string());
  Names listed;
  for (const auto& s : manual::page("cloister-profile").sections)
    if (s.title == "SHIPPED PROFILES")
      for (const auto& item : s.items) listed.insert(item.term);
  expect_same(files, listed, "shipped profiles");
}

// ---- cloister-supervise(1): the group file ----

// The table of the group file a subsection of the supervise page is about, as its top-level
// key: "[service.NAME] ready" -> "service"; "" when the title names none.
std::string group_table_key(const std::string& title) {
  if (title.empty() || title[0] != '[') return "";
  return title.substr(1, title.find_first_of(".]") - 1);
}

// Every key the group file loader compares a key against is a term or a table of the
// supervise page, and the page has no key the loader does not compare.
TEST(ManualGroupFile, KeysAreTheLoadersKeys) {
  Names loader;
  const std::string source = read_source("src/policy/group_file.cpp");
  const std::regex re(R"re(\bk [!=]= "([a-z0-9-]+)")re");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), re);
       it != std::sregex_iterator(); ++it)
    loader.insert((*it)[1]);
  EXPECT_GT(loader.size(), 20u);
  Names documented;
  for (const auto& s : manual::page("cloister-supervise").sections) {
    if (!s.subsection) continue;
    const std::string table = group_table_key(s.title);
    EXPECT_FALSE(table.empty()) << s.title;
    documented.insert(table);
    for (const auto& item : s.items) {
      std::stringstream terms(item.term);
      for (std::string t; std::getline(terms, t, ',');) {
        t.erase(0, t.find_first_not_of(' '));
        documented.insert(t);
      }
    }
  }
  expect_same(loader, documented, "group file keys");
}

// Every key's example, in its table of a small group, loads; so does the page's group file.
TEST(ManualGroupFile, EveryExampleLoads) {
  const char* saved = std::getenv("CLOISTER_PROFILE_PATH");
  const std::string before = saved ? saved : "";
  ::setenv("CLOISTER_PROFILE_PATH", (std::string(CLOISTER_SOURCE_DIR) + "/profiles").c_str(), 1);
  const std::string service = "[service.a]\n";
  const std::string command = "command = [\"x\"]\n";
  int examples = 0;
  for (const auto& s : manual::page("cloister-supervise").sections) {
    for (const auto& item : s.items) {
      if (item.example.empty()) continue;
      std::string text;
      if (group_table_key(s.title) == "group")
        text = "[group]\n" + item.example + "\n" + service + command;
      else
        text =
            "[group]\nuid-range = { first = 200000, count = 100 }\nshared = [\"/var/lib/vm\"]\n"
            "[service.store]\n" +
            command + service + (item.term == "command" ? "" : command) + item.example + "\n";
      auto g = group::load_text(text, "example.toml");
      EXPECT_TRUE(g.ok()) << item.term << ":\n" << text << (g.ok() ? "" : g.error().message());
      ++examples;
    }
  }
  EXPECT_GE(examples, 20);
  int files = 0;
  for (const auto& e : manual::page("cloister-supervise").examples) {
    if (e.command.rfind("[group]", 0) != 0) continue;
    auto g = group::load_text(e.command, "vm-firefox.toml");
    EXPECT_TRUE(g.ok()) << e.command << "\n" << (g.ok() ? "" : g.error().message());
    ++files;
  }
  EXPECT_EQ(files, 1);
  if (saved)
    ::setenv("CLOISTER_PROFILE_PATH", before.c_str(), 1);
  else
    ::unsetenv("CLOISTER_PROFILE_PATH");
}

// ---- renderings ----

TEST(ManualHelp, UsageLineNamesTheProgram) {
  const auto& bwrap = manual::page("cloister-bwrap");
  EXPECT_EQ(manual::help_text(bwrap, "/opt/x/bwrap").rfind("usage: /opt/x/bwrap [OPTIONS...]", 0),
            0u);
  EXPECT_EQ(manual::help_text(bwrap, "cloister bwrap").rfind("usage: cloister bwrap ", 0), 0u);
  EXPECT_EQ(manual::help_text(manual::page("cloister-run")).rfind("usage: cloister run ", 0), 0u);
  const std::string explain = manual::help_text(manual::page("cloister-explain"));
  EXPECT_NE(explain.find("\n       cloister explain --groups\n"), std::string::npos) << explain;
}

// --help shows each option with its help on its line, wrapped within 79 columns.
TEST(ManualHelp, ShowsEveryOptionWithinTheWidth) {
  for (const auto& page : manual::pages()) {
    if (page.section != 1) continue;
    const std::string text = manual::help_text(page);
    for (const auto* o : manual::options_of(page))
      EXPECT_NE(text.find("  " + (o->alias.empty() ? o->name : o->alias + ", " + o->name)),
                std::string::npos)
          << page.name << " " << o->name;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("  cloister ", 0) == 0 || line.rfind("usage: ", 0) == 0) continue;
      EXPECT_LE(line.size(), 79u) << page.name << ": " << line;
    }
    EXPECT_EQ(text.find('`'), std::string::npos) << page.name;
    EXPECT_NE(text.find("The manual: man " + page.name), std::string::npos);
  }
}

TEST(ManualRoff, PagesHaveTheSectionsAndEscapes) {
  for (const auto& page : manual::pages()) {
    const std::string text = manual::roff(page, "9.9.9");
    EXPECT_NE(text.find(".TH \""), std::string::npos);
    EXPECT_NE(text.find("\" \"" + std::to_string(page.section) + "\" \"\" \"cloister 9.9.9\""),
              std::string::npos)
        << page.name;
    EXPECT_NE(text.find(".SH NAME\n"), std::string::npos);
    EXPECT_NE(text.find(".SH DESCRIPTION\n"), std::string::npos);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      // Only requests and comments start with a control character; text lines never do.
      if (line.empty()) continue;
      if (line[0] == '.' || line[0] == '\'') {
        EXPECT_TRUE(std::regex_match(line, std::regex(R"(\.(\\"|[A-Za-z]{1,2}\b).*)"))) << line;
      }
      // Every hyphen escaped, so none renders as a typographic hyphen or breaks a line.
      if (line.rfind(".\\\"", 0) != 0) {
        EXPECT_EQ(std::regex_search(line, std::regex(R"((^|[^\\])-)")), false) << line;
      }
    }
    for (const auto* o : manual::options_of(page)) {
      std::string escaped;
      for (char c : o->name) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(text.find("\\fB" + escaped + "\\fR"), std::string::npos) << o->name;
    }
  }
}

TEST(ManualCompletion, OffersEveryOptionAndAgreesOnArguments) {
  EXPECT_EQ(manual::argument_conflicts(), "");
  manual::CompletionWords words;
  words.profiles = {"shell", "build-tool"};
  words.profile_dirs = {"/usr/share/cloister/profiles"};
  words.groups = {"@basic-io"};
  words.syscalls = {"read"};
  words.capabilities = {"CAP_CHOWN"};
  const std::string bash = manual::bash_completion(words);
  const std::string zsh = manual::zsh_completion(words);
  for (const auto& page : manual::pages())
    for (const auto* o : manual::options_of(page)) {
      EXPECT_NE(bash.find(o->name), std::string::npos) << o->name;
      EXPECT_NE(zsh.find(o->name), std::string::npos) << o->name;
    }
  for (const char* word : {"shell build-tool", "/usr/share/cloister/profiles", "@basic-io",
                           "CAP_CHOWN", "complete -F _cloister cloister"})
    EXPECT_NE(bash.find(word), std::string::npos) << word;
  EXPECT_EQ(zsh.rfind("#compdef cloister\n", 0), 0u);
}

}  // namespace
}  // namespace cloister
