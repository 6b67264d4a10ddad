// flagset.cc: FlagSet over CLI11 (the one file of the command line that compiles it).
#include "flagset.h"

#include <CLI/CLI.hpp>

namespace loadgate::cli {
namespace {

// "requests,n" -> "--requests,-n".
std::string names(const char* name) {
  std::string in = name, out;
  size_t start = 0;
  while (start <= in.size()) {
    size_t comma = in.find(',', start);
    if (comma == std::string::npos) comma = in.size();
    const std::string part = in.substr(start, comma - start);
    out += (out.empty() ? "" : ",") + std::string(part.size() == 1 ? "-" : "--") + part;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void FlagSet::string(const char* name, std::string* v, const char* help) { app_->add_option(names(name), *v, help); }

void FlagSet::strings(const char* name, std::vector<std::string>* v, const char* help, char delimiter) {
  // One value per occurrence (a value never swallows the next argument), every occurrence kept.
  auto* o = app_->add_option(names(name), *v, help)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  if (delimiter) o->delimiter(delimiter);
}

void FlagSet::integer(const char* name, int* v, const char* help) { app_->add_option(names(name), *v, help); }

void FlagSet::optional_integer(const char* name, std::optional<int>* v, const char* help) {
  app_->add_option_function<int>(
      names(name), [v](const int& x) { *v = x; }, help);
}

void FlagSet::count(const char* name, uint64_t* v, const char* help) { app_->add_option(names(name), *v, help); }

void FlagSet::number(const char* name, double* v, const char* help) { app_->add_option(names(name), *v, help); }

void FlagSet::flag(const char* name, bool* v, const char* help, const char* negation) {
  std::string n = names(name);
  if (negation) n += ",!" + names(negation);
  app_->add_flag(n, *v, help);
}

void FlagSet::positional(const char* name, std::vector<std::string>* v, const char* help) {
  app_->add_option(name, *v, help);
}

void FlagSet::required_positional(const char* name, std::string* v, const char* help) {
  app_->add_option(name, *v, help)->required();
}

void FlagSet::require(const char* name) { app_->get_option(names(name))->required(); }

FlagSet FlagSet::subcommand(const char* name, const char* help) {
  app_->require_subcommand(1);
  return FlagSet(app_->add_subcommand(name, help));
}

FlagSet FlagSet::optional_subcommand(const char* name, const char* help) {
  app_->require_subcommand(0, 1);
  CLI::App* sub = app_->add_subcommand(name, help);
  sub->fallthrough();
  return FlagSet(sub);
}

bool FlagSet::chosen() const { return app_->parsed(); }

}  // namespace loadgate::cli
