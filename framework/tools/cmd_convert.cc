// cmd_convert.cc: `loadgate convert LOG`: a recorded log or HAR file as a Vegeta targets file
// (http or json format) or as journeys (one per HAR page, think times from the recorded gaps),
// secret headers dropped or turned into feeder placeholders.
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/replay.h"
#include "command.h"
#include "flags.h"

namespace loadgate::cli {

namespace {

using json = nlohmann::json;

// A journey of requests in arrival order: each step's think time is the recorded gap from its
// end to the next request's start (0 when the next started before it ended).
json journey_of(const std::string& name, const std::vector<LoggedRequest>& rs, const std::string& feeder) {
  json steps = json::array();
  for (size_t i = 0; i < rs.size(); ++i) {
    const Target& t = rs[i].target;
    auto u = t.url.find("://");
    std::string path = u == std::string::npos ? t.url : t.url.substr(std::min(t.url.size(), t.url.find('/', u + 3)));
    path = path.substr(0, path.find('?'));
    if (path.size() > 48) path = path.substr(0, 45) + "...";
    json step = {{"name", std::to_string(i + 1) + " " + t.method + " " + path}, {"method", t.method}, {"url", t.url}};
    if (!t.headers.empty()) {
      json h = json::object();
      for (const Header& x : t.headers) h[x.first] = x.second;
      step["headers"] = h;
    }
    if (!t.body.empty()) step["body"] = t.body;
    if (i + 1 < rs.size()) {
      const int64_t end = rs[i].at_ns + std::max<int64_t>(0, rs[i].took_ns);
      const int64_t gap = std::max<int64_t>(0, rs[i + 1].at_ns - end);
      step["think"] = format_duration(Nanos((gap + 500'000) / 1'000'000 * 1'000'000));
    }
    steps.push_back(step);
  }
  json j = {{"name", name}, {"on_failure", "continue"}, {"steps", steps}};
  if (!feeder.empty()) j["feeder"] = {{"file", feeder}, {"mode", "circular"}};
  return j;
}

class Convert final : public Command {
 public:
  void define(FlagSet& f) override {
    f.required_positional("log", &log_, "The log to convert: an nginx or Apache access log, JSON lines, or a HAR file");
    log_flags_.define(f, "from");
    f.string("to", &to_, "What to write: targets (Vegeta's http format), json (Vegeta's json targets) or journey");
    f.string("output,o", &output_,
             "Where to write (default stdout); a directory for journeys of several HAR pages; bodies of http targets go "
             "beside it in OUTPUT.bodies/");
    f.string("origin", &r_.origin, "Write URLs on this scheme://host:port instead of the logged host (required for logs without hosts)");
    f.string("filter", &r_.filter, "Only requests whose \"METHOD /path?query\" matches this RE2 expression");
    f.string("secrets", &secrets_,
             "Secret headers (Authorization, Cookie, API keys): drop (default) or template ({{feed.authorization}})");
    f.strings("secret-header", &secret_headers_, "Treat this header as a secret too (repeatable)");
    f.string("name", &name_, "Journey name (default: the HAR page's id, or the log's file name)");
  }

  int run() override {
    try {
      log_flags_.parse(r_.log);
      r_.secrets = parse_secret_mode(secrets_);
      if (r_.secrets == SecretMode::kKeep)
        throw InputError("", 0, "-secrets", "keep: convert never writes a recorded secret (drop or template)");
      for (const std::string& h : secret_headers_) r_.secret_headers.push_back(h);
      if (to_ != "targets" && to_ != "json" && to_ != "journey")
        throw InputError("", 0, "-to", "\"" + printable(to_) + "\": want targets, json or journey");
      r_.any_host = true;  // nothing is sent
      ReplaySource src(log_, r_);
      std::vector<LoggedRequest> all;
      std::vector<std::string> columns;  // feeder columns the secrets became
      std::ofstream file;
      std::ostream* out = &std::cout;
      const bool dir_out = to_ == "journey" && !output_.empty() && (output_.back() == '/' || is_dir(output_));
      if (!output_.empty() && !dir_out) {
        file.open(output_);
        if (!file) return cannot_open_output("convert", output_);
        out = &file;
      }
      LoggedRequest r;
      int64_t offset = 0;
      uint64_t n = 0, bodies = 0;
      while (src.next(r, offset)) {
        ++n;
        for (const Header& h : r.target.headers)
          if (h.second.rfind("{{feed.", 0) == 0) {
            const std::string col = h.second.substr(7, h.second.size() - 9);
            if (std::find(columns.begin(), columns.end(), col) == columns.end()) columns.push_back(col);
          }
        if (to_ == "journey") {
          if (all.size() >= kMaxSteps)
            throw InputError(log_, static_cast<int>(r.line), "", "more than 10,000 requests for journeys: use -filter or -to=targets");
          all.push_back(std::move(r));
          continue;
        }
        const Target& t = r.target;
        if (to_ == "json") {
          json j = {{"method", t.method}, {"url", t.url}};
          json h = json::object();
          for (const Header& x : t.headers) h[x.first].push_back(x.second);
          if (!h.empty()) j["header"] = h;
          if (!t.body.empty()) j["body"] = base64_encode(t.body);
          *out << j.dump() << "\n";
          continue;
        }
        *out << t.method << " " << t.url << "\n";
        for (const Header& x : t.headers) *out << x.first << ": " << x.second << "\n";
        if (!t.body.empty()) {
          if (output_.empty())
            throw InputError(log_, static_cast<int>(r.line), "body",
                             "a request with a body: http targets keep bodies in files beside -o (or use -to=json)");
          const std::string dir = output_ + ".bodies";
          make_dirs(dir);
          const std::string name = std::to_string(++bodies) + ".body";
          std::ofstream(dir + "/" + name, std::ios::binary) << t.body;
          const std::string base = output_.substr(output_.find_last_of('/') == std::string::npos ? 0 : output_.find_last_of('/') + 1);
          *out << "@" << base << ".bodies/" << name << "\n";
        }
        *out << "\n";
      }
      if (n == 0) throw InputError(log_, 0, "", "no request to convert" + unparsed_note(src.log()));
      const std::string feeder = columns.empty() ? "" : "secrets.csv";
      if (to_ == "journey") {
        std::map<std::string, std::vector<LoggedRequest>> pages;  // by HAR page, in order of first request
        std::vector<std::string> order;
        for (LoggedRequest& x : all) {
          if (!pages.count(x.page)) order.push_back(x.page);
          pages[x.page].push_back(std::move(x));
        }
        if (order.size() > 1 && !dir_out)
          throw InputError("", 0, "-o", std::to_string(order.size()) + " pages make " + std::to_string(order.size()) +
                                            " journeys: give -o a directory (ending in /)");
        if (dir_out) make_dirs(output_);
        for (const std::string& page : order) {
          std::string name = !name_.empty() ? (order.size() > 1 ? name_ + "-" + page : name_) : !page.empty() ? page : stem(log_);
          const json j = journey_of(name, pages[page], feeder);
          if (dir_out) {
            const std::string path = output_ + (output_.back() == '/' ? "" : "/") + file_name(name) + ".json";
            std::ofstream f(path);
            f << j.dump(2) << "\n";
            if (!f) return cannot_open_output("convert", path);
            std::cerr << "convert: " << path << ": " << pages[page].size() << " steps\n";
          } else {
            *out << j.dump(2) << "\n";
          }
        }
      }
      std::cerr << "convert: " << n << " requests" << unparsed_note(src.log()) << "\n";
      for (const std::string& e : src.log().unparsed_examples()) std::cerr << "convert: unparsed: " << e << "\n";
      if (!columns.empty()) {
        std::cerr << "convert: secret headers became placeholders: give a feeder (" << feeder << ") with the columns";
        for (const std::string& c : columns) std::cerr << " " << c;
        std::cerr << "\n";
      }
      return out == &std::cout ? written("convert", std::cout, kOk) : written("convert", file, kOk);
    } catch (const InputError& e) {
      return fail("convert", e.what(), kBadInput);
    }
  }

 private:
  static constexpr size_t kMaxSteps = 10'000;
  static bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  static std::string stem(const std::string& path) {
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    return base.substr(0, base.find('.'));
  }
  static std::string file_name(const std::string& name) {
    std::string out;
    for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
    return out;
  }
  static std::string unparsed_note(const LogReader& log) {
    return log.unparsed() == 0 ? "" : "; " + std::to_string(log.unparsed()) + " of " + std::to_string(log.lines()) + " lines unparsed";
  }
  std::string log_, to_ = "targets", output_, secrets_ = "drop", name_;
  std::vector<std::string> secret_headers_;
  LogFlags log_flags_;
  ReplayOptions r_;
};

}  // namespace

std::unique_ptr<Command> convert_command() { return std::make_unique<Convert>(); }

}  // namespace loadgate::cli
