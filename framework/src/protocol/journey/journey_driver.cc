// journey_driver.cc: journeys on the engine. A JourneySlot is one virtual user: it owns a slot of
// each protocol driver its steps need (one HTTP driver for every HTTP step, a gRPC driver per
// gRPC step, a WebSocket exchange driver per WebSocket step) and runs the steps through them one
// after the other, checking, extracting and pausing between them; the engine sees one hit per
// journey.
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/pattern.h"
#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "loadgate/targets.h"
#include "loadgate/template.h"
#include "protocol/grpc/grpc_step.h"
#include "protocol/http/http_driver.h"
#include "protocol/ws/ws_exchange.h"

namespace loadgate {
namespace {

using engine::Hit;
using json = nlohmann::json;

// Body bytes kept for a step that extracts from or checks its body.
constexpr size_t kKeptBody = 64 * 1024;

// A step's body, parsed as JSON at most once, when a check or an extraction first reads it.
class ParsedBody {
 public:
  explicit ParsedBody(std::string_view text) : text_(text) {}
  std::string_view text() const { return text_; }
  /// The JSON, or nullptr when the body is none.
  const json* get() {
    if (!parsed_) parsed_ = json::parse(text_, nullptr, false);
    return parsed_->is_discarded() ? nullptr : &*parsed_;
  }

 private:
  std::string_view text_;
  std::optional<json> parsed_;
};

// What the driver knows of each step, compiled once.
struct StepPlan {
  uint32_t label = 0;
  size_t driver = 0;                // its driver in JourneyDriver::drivers() (and slot in the slot's)
  uint32_t target = 0;              // its target in that driver (HTTP steps; 0 otherwise)
  std::vector<Template> checks;     // by check: its text as a template (kStatus: unused)
  std::vector<uint32_t> uses;       // variables its request and checks use
  std::vector<size_t> extracts;     // by extraction: the variable it sets
  std::vector<Pattern> regexes;  // by extraction, for From::kRegex (RE2: linear in the body)
};

class JourneyDriver;

class JourneySlot final : public engine::Slot, public engine::SlotOwner {
 public:
  JourneySlot(asio::io_context& io, engine::SlotOwner& owner, JourneyDriver& d);
  void start(const Hit& hit) override;
  void cancel() override;
  void warm() override {
    for (auto& inner : inners_) inner->warm();
  }

  // engine::SlotOwner, for the inner slots (the steps' protocols).
  void done(engine::Slot& slot, const Result& r) override;
  void connecting(int delta) override { owner_.connecting(delta); }
  void cut(engine::Slot&) override {}  // an inner slot runs one request: never cut
  void wind_down() override;
  void extra(engine::Slot&, const Result& r) override { owner_.extra(*this, r); }

 private:
  void run_step(int64_t due_steady);
  void next(int64_t end_steady, bool step_failed);
  void finish(int64_t end_steady);
  // Ends the journey unfinished when -duration ends with steps left: counted as cut, no result.
  void cut_now() {
    busy_ = false;
    owner_.cut(*this);
  }
  // Checks, then extractions; "" when the step passed, else the first failure's text.
  std::string judge(const JourneyStep& step, const StepPlan& plan, const Result& r);
  // The step's checks on a response of `status` with `body`: "" when all pass, else the first
  // that failed ("check status == 200: got 401").
  std::string check(const JourneyStep& step, const StepPlan& plan, int status, ParsedBody& body);
  // The slot of the step in flight.
  engine::Slot& inner();

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  JourneyDriver& d_;
  std::vector<std::unique_ptr<engine::Slot>> inners_;  // by JourneyDriver::drivers()
  asio::steady_timer think_;
  std::mt19937_64 rng_;
  Hit hit_{};            // the journey's
  size_t step_ = 0;      // the step in flight or next
  int64_t first_sent_ = 0;
  std::string failure_;  // the first failed step's error
  ErrorKind failure_kind_ = ErrorKind::kNone;
  bool busy_ = false, thinking_ = false, cancelled_ = false, in_step_ = false;
  bool winding_ = false;  // the attack's duration ended: no further step
  std::vector<std::string> values_;    // by variable
  std::vector<std::string> missing_;   // by variable: why it has no value ("" = it has one)
};

class JourneyDriver final : public engine::Driver {
 public:
  JourneyDriver(const Journey& j, const HttpOptions& o, const AttackOptions& options) : j_(j) {
    validate(j);
    HttpOptions http = o;
    http.variables = j.variables();
    http.feeder = j.feeder;
    http.targeter = nullptr;
    TemplateNames names;
    if (j.feeder) names.columns = j.feeder->columns();
    names.variables = http.variables;
    std::vector<Target> targets;
    std::vector<http::StepSettings> settings;
    std::vector<std::string> protocols;
    for (const JourneyStep& s : j.steps) {
      StepPlan plan;
      plan.label = intern(s.name);
      const std::vector<std::string>& vars = http.variables;  // once, not per step: 200k steps loaded in minutes
      for (const Extraction& e : s.extract) {
        plan.regexes.push_back(e.from == Extraction::From::kRegex ? Pattern::compile(e.expr, j.file, 0, "extract." + e.variable)
                                                                  : Pattern());
        plan.extracts.push_back(static_cast<size_t>(std::find(vars.begin(), vars.end(), e.variable) - vars.begin()));
      }
      // The texts whose placeholders the step fills: what it may not run without.
      std::vector<std::string> texts;
      for (const StepCheck& c : s.checks) {
        plan.checks.push_back(Template::compile(c.what == StepCheck::What::kStatus ? "" : c.text, names, "check"));
        plan.uses.insert(plan.uses.end(), plan.checks.back().uses().begin(), plan.checks.back().uses().end());
      }
      if (s.grpc) {
        GrpcOptions g;
        g.addr = s.grpc->addr;
        g.call = s.grpc->call;
        g.proto = s.grpc->proto;
        g.protoset = s.grpc->protoset;
        g.data = {s.grpc->data};
        g.metadata = s.grpc->metadata;
        g.variables = http.variables;
        g.feeder = j.feeder;
        plan.driver = drivers_.size();
        drivers_.push_back(grpcx::make_step_driver(g, options, s.name));
        texts.push_back(s.grpc->data);
        for (const Header& h : s.grpc->metadata) texts.push_back(h.second);
      } else if (s.ws) {
        plan.driver = drivers_.size();
        drivers_.push_back(ws::make_exchange_driver(*s.ws, names, j.feeder, s.name));
        texts.push_back(s.ws->url);
        texts.insert(texts.end(), s.ws->send.begin(), s.ws->send.end());
        for (const Header& h : s.ws->headers) texts.push_back(h.second);
      } else {
        plan.target = static_cast<uint32_t>(targets.size());
        targets.push_back(s.request);
        http::StepSettings st;
        st.label = s.name;
        bool body = false;
        for (const Extraction& e : s.extract) {
          if (e.from == Extraction::From::kHeader) st.capture.push_back(e.expr);
          else body = true;
        }
        for (const StepCheck& c : s.checks) body = body || c.what != StepCheck::What::kStatus;
        st.keep_body = body ? kKeptBody : 0;
        settings.push_back(std::move(st));
        texts.push_back(s.request.url);
        texts.push_back(s.request.body);
        for (const Header& h : s.request.headers) texts.push_back(h.second);
      }
      for (const std::string& text : texts) {
        const Template t = Template::compile(text, names, "step");  // validate() checked them
        plan.uses.insert(plan.uses.end(), t.uses().begin(), t.uses().end());
      }
      if (std::find(protocols.begin(), protocols.end(), s.protocol()) == protocols.end()) protocols.push_back(s.protocol());
      plans_.push_back(std::move(plan));
    }
    if (!targets.empty()) {
      http_driver_ = drivers_.size();
      drivers_.push_back(http::make_http_driver(targets, http, options, std::move(settings)));
      for (size_t i = 0; i < j.steps.size(); ++i)
        if (!j.steps[i].grpc && !j.steps[i].ws) plans_[i].driver = http_driver_;
    }
    for (const std::string& p : protocols) protocol_ += (protocol_.empty() ? "" : "+") + p;
    variable_count_ = http.variables.size();
    label_ = intern(j.name);
  }

  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    return std::make_unique<JourneySlot>(io, owner, *this);
  }
  uint32_t target_count() const override { return 1; }
  uint32_t target_label(uint32_t) const override { return label_; }
  std::optional<uint32_t> target_for(uint64_t seq) override {
    if (j_.feeder && j_.feeder->mode == FeedMode::kSequential && seq >= j_.feeder->size()) return std::nullopt;
    return 0;
  }
  Kind kind() const override { return Kind::kJourney; }
  std::string protocol() const override { return protocol_; }
  std::map<std::string, std::string> target_protocols() const override {
    return http_driver_ < drivers_.size() ? drivers_[http_driver_]->target_protocols() : std::map<std::string, std::string>{};
  }

  const Journey& journey() const { return j_; }
  /// How many variables the journey extracts (Journey::variables(), counted once).
  size_t variable_count() const { return variable_count_; }
  const StepPlan& plan(size_t i) const { return plans_[i]; }
  /// The steps' drivers: StepPlan::driver indexes them.
  const std::vector<std::unique_ptr<engine::Driver>>& drivers() const { return drivers_; }

 private:
  const Journey& j_;
  std::vector<std::unique_ptr<engine::Driver>> drivers_;
  size_t http_driver_ = SIZE_MAX;
  std::vector<StepPlan> plans_;
  uint32_t label_ = 0;
  size_t variable_count_ = 0;
  std::string protocol_;
};

engine::Slot& JourneySlot::inner() { return *inners_[d_.plan(step_).driver]; }

JourneySlot::JourneySlot(asio::io_context& io, engine::SlotOwner& owner, JourneyDriver& d)
    : io_(io), owner_(owner), d_(d), think_(io), rng_(std::random_device{}() ^ reinterpret_cast<uintptr_t>(this)) {
  const size_t vars = d.variable_count();
  values_.assign(vars, std::string());
  missing_.assign(vars, std::string());
  for (const auto& driver : d.drivers()) {
    inners_.push_back(driver->make_slot(io, *this));
    inners_.back()->set_variables(&values_);
  }
  // A WebSocket step reads messages until one passes its checks.
  for (size_t i = 0; i < d.journey().steps.size(); ++i)
    if (d.journey().steps[i].ws)
      static_cast<ws::ExchangeSlot&>(*inners_[d.plan(i).driver]).set_matcher([this, i](std::string_view message) {
        ParsedBody body(message);
        return check(d_.journey().steps[i], d_.plan(i), kWsOk, body).empty();
      });
}

void JourneySlot::start(const Hit& hit) {
  hit_ = hit;
  busy_ = true;
  cancelled_ = false;
  winding_ = false;
  step_ = 0;
  first_sent_ = 0;
  failure_.clear();
  failure_kind_ = ErrorKind::kNone;
  for (auto& v : values_) v.clear();
  for (auto& m : missing_) m = "not extracted yet";
  run_step(hit.scheduled_steady);
}

// Starts step_ due at `due_steady` (the journey's start, or the previous step's end plus think).
void JourneySlot::run_step(int64_t due_steady) {
  Hit h = hit_;  // the journey's number: the same feeder row for every step
  h.target = d_.plan(step_).target;
  h.scheduled_steady = due_steady;
  h.scheduled_ns = hit_.scheduled_ns + (due_steady - hit_.scheduled_steady);
  // A variable an earlier step failed to extract: no request goes out without it.
  for (uint32_t v : d_.plan(step_).uses) {
    if (missing_[v].empty()) continue;
    const int64_t now = steady_now_ns();
    Result r = engine::make_result(h, now, now, d_.drivers()[d_.plan(step_).driver]->kind());
    r.target = d_.plan(step_).label;
    r.error_kind = ErrorKind::kOther;
    r.error = intern(missing_[v]);
    // What this step would have extracted is missing for the same reason.
    for (size_t i : d_.plan(step_).extracts) missing_[i] = missing_[v];
    owner_.extra(*this, r);
    if (failure_.empty()) {
      failure_ = missing_[v];
      failure_kind_ = ErrorKind::kOther;
    }
    asio::post(io_, [this, now] { next(now, true); });  // never complete inside start()
    return;
  }
  in_step_ = true;
  inner().start(h);
}

void JourneySlot::done(engine::Slot&, const Result& raw) {
  in_step_ = false;
  // The step's end as its result says it, so that the next step is due exactly a think time later.
  const int64_t end = hit_.scheduled_steady + (raw.end_ns() - hit_.scheduled_ns);
  if (first_sent_ == 0) first_sent_ = hit_.scheduled_steady + (raw.sent_ns() - hit_.scheduled_ns);
  Result r = raw;
  const JourneyStep& step = d_.journey().steps[step_];
  std::string why;
  if (r.ok())
    why = judge(step, d_.plan(step_), r);
  else
    why = interned(r.error).empty() ? "status " + std::to_string(r.status) : interned(r.error);
  if (!why.empty() && r.ok()) {
    r.error_kind = ErrorKind::kOther;
    r.error = intern(why);
  }
  const bool failed = !r.ok();
  if (failed) {
    // Its variables have no value: later steps that need them fail with this.
    for (size_t k = 0; k < step.extract.size(); ++k) {
      const size_t i = d_.plan(step_).extracts[k];
      if (i < missing_.size() && !missing_[i].empty()) missing_[i] = why.empty() ? step.extract[k].missing() : why;
    }
    if (failure_.empty()) {
      failure_ = interned(r.error).empty() ? why : interned(r.error);
      failure_kind_ = r.error_kind == ErrorKind::kNone ? ErrorKind::kStatus : r.error_kind;
    }
  }
  owner_.extra(*this, r);
  if (cancelled_) {
    finish(end);
    return;
  }
  next(end, failed);
}

// A JSON value as an extraction reads it: a string as it is, anything else as JSON text.
std::string extracted(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string JourneySlot::check(const JourneyStep& step, const StepPlan& plan, int status, ParsedBody& body) {
  FillContext fill;
  fill.seq = hit_.seq;
  fill.rng = &rng_;
  fill.variables = &values_;
  std::string want;
  for (size_t k = 0; k < step.checks.size(); ++k) {
    const StepCheck& c = step.checks[k];
    const Template& t = plan.checks[k];
    const bool filled = t.dynamic();
    if (filled) {
      const Journey& journey = d_.journey();
      if (journey.feeder && !fill.row) fill.row = journey.feeder->row(hit_.seq, rng_);  // the journey's row
      want.clear();
      t.fill(fill, want);
    }
    bool ok = true;
    std::string got;
    if (c.what == StepCheck::What::kStatus) {
      ok = status == c.status;
      got = std::to_string(status);
    } else if (c.what == StepCheck::What::kBodyContains) {
      ok = body.text().find(filled ? want : c.text) != std::string_view::npos;
    } else {
      const json* j = body.get();
      const json::json_pointer p(c.pointer);
      const bool there = j && j->contains(p);
      if (there) got = (*j)[p].dump();
      if (!there)
        ok = false;
      else if (filled)  // a value from a variable compares as an extraction reads it
        ok = extracted((*j)[p]) == extracted(json::parse(want, nullptr, false));
      else
        ok = (*j)[p] == json::parse(c.text, nullptr, false);
    }
    if (!ok) return "check " + c.name() + (got.empty() ? "" : ": got " + got);
  }
  return "";
}

std::string JourneySlot::judge(const JourneyStep& step, const StepPlan& plan, const Result& r) {
  ParsedBody body(inner().kept_body());
  // A WebSocket step's message passed its checks already (the matcher): its status is an outcome.
  if (!step.ws)
    if (std::string why = check(step, plan, r.status, body); !why.empty()) return why;
  size_t captured = 0;
  for (size_t k = 0; k < step.extract.size(); ++k) {
    const Extraction& e = step.extract[k];
    std::string value;
    bool found = false;
    if (e.from == Extraction::From::kJson) {
      const json* j = body.get();
      json::json_pointer p(e.expr);
      if (j && j->contains(p)) {
        const json& v = (*j)[p];
        value = extracted(v);
        found = !v.is_null();
      }
    } else if (e.from == Extraction::From::kHeader && step.grpc) {
      for (auto& [name, v] : header_pairs(inner().kept_headers()))
        if (iequals(name, e.expr)) {
          value = std::move(v);
          found = true;
          break;
        }
    } else if (e.from == Extraction::From::kHeader) {
      const auto& caps = static_cast<http::StepSlot&>(inner()).captured();
      if (captured < caps.size() && !caps[captured].empty()) {
        value = caps[captured];
        found = true;
      }
      ++captured;
    } else {
      found = plan.regexes[k].search(body.text(), &value);
    }
    const size_t i = plan.extracts[k];
    if (!found) {
      if (i < missing_.size()) missing_[i] = e.missing();
      return e.missing();
    }
    if (i < values_.size()) {
      values_[i] = std::move(value);
      missing_[i].clear();
    }
  }
  return "";
}

// After a step that ended at `end_steady`: the next one after its think time, or the end.
void JourneySlot::next(int64_t end_steady, bool step_failed) {
  const Journey& j = d_.journey();
  if ((step_failed && j.stop_on_failure) || step_ + 1 >= j.steps.size() || cancelled_) {
    finish(end_steady);
    return;
  }
  if (winding_) {  // steps left when -duration ended: cut, not waited for
    cut_now();
    return;
  }
  const ThinkTime& think = j.steps[step_].think ? *j.steps[step_].think : j.think;
  ++step_;
  const Nanos pause = think.sample(rng_);
  const int64_t due = end_steady + pause.count();
  if (pause.count() <= 0) {
    run_step(due);
    return;
  }
  thinking_ = true;
  think_.expires_at(std::chrono::steady_clock::time_point(Nanos(due)));
  think_.async_wait([this, due](const asio::error_code& ec) {
    thinking_ = false;
    if (winding_ && !cancelled_) {  // -duration ended during its think time
      cut_now();
      return;
    }
    if (ec || cancelled_) {
      finish(steady_now_ns());
      return;
    }
    run_step(due);
  });
}

void JourneySlot::wind_down() {
  if (!busy_ || winding_) return;
  winding_ = true;
  if (thinking_) think_.cancel();
}

void JourneySlot::finish(int64_t end_steady) {
  busy_ = false;
  Result r = engine::make_result(hit_, first_sent_ ? first_sent_ : hit_.scheduled_steady, end_steady, Kind::kJourney);
  r.target = d_.target_label(0);
  r.status = static_cast<uint16_t>(step_ + 1);
  if (cancelled_ && failure_.empty()) {
    failure_ = "cancelled: the attack was interrupted";
    failure_kind_ = ErrorKind::kCancelled;
  }
  r.error_kind = failure_.empty() ? ErrorKind::kNone : failure_kind_;
  r.error = failure_.empty() ? 0 : intern(failure_);
  owner_.done(*this, r);
}

void JourneySlot::cancel() {
  if (!busy_) return;
  cancelled_ = true;
  if (in_step_)
    inner().cancel();
  else if (thinking_)
    think_.cancel();
}

}  // namespace

AttackRun attack_journey(const Journey& j, const HttpOptions& http, const AttackOptions& options) {
  JourneyDriver driver(j, http, options);
  return engine::attack(driver, options);
}

}  // namespace loadgate
