// journey_driver.cc: journeys on the engine. A JourneySlot is one virtual user: it owns an HTTP
// slot of the steps' driver and runs the steps through it one after the other, checking,
// extracting and pausing between them; the engine sees one hit per journey.
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/pattern.h"
#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "loadgate/template.h"
#include "protocol/http/http_driver.h"

namespace loadgate {
namespace {

using engine::Hit;
using json = nlohmann::json;

// Body bytes kept for a step that extracts from or checks its body.
constexpr size_t kKeptBody = 64 * 1024;

// What the driver knows of each step, compiled once.
struct StepPlan {
  uint32_t label = 0;
  std::vector<uint32_t> uses;       // variables its request uses
  std::vector<size_t> extracts;     // by extraction: the variable it sets
  std::vector<Pattern> regexes;  // by extraction, for From::kRegex (RE2: linear in the body)
};

class JourneyDriver;

class JourneySlot final : public engine::Slot, public engine::SlotOwner {
 public:
  JourneySlot(asio::io_context& io, engine::SlotOwner& owner, JourneyDriver& d);
  void start(const Hit& hit) override;
  void cancel() override;
  void warm() override { inner_->warm(); }

  // engine::SlotOwner, for the inner HTTP slot.
  void done(engine::Slot& slot, const Result& r) override;
  void connecting(int delta) override { owner_.connecting(delta); }
  void cut(engine::Slot&) override {}  // the inner HTTP slot runs one request: never cut
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
  std::string judge(const JourneyStep& step, const StepPlan& plan, const Result& r);

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  JourneyDriver& d_;
  std::unique_ptr<engine::Slot> inner_;
  http::StepSlot* step_slot_;
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
  JourneyDriver(const Journey& j, const HttpOptions& o, const AttackOptions& load) : j_(j) {
    validate(j);
    HttpOptions http = o;
    http.variables = j.variables();
    http.feeder = j.feeder;
    http.targeter = nullptr;
    std::vector<Target> targets;
    std::vector<http::StepSettings> settings;
    for (const JourneyStep& s : j.steps) {
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
      StepPlan plan;
      plan.label = intern(s.name);
      const std::vector<std::string>& vars = http.variables;  // once, not per step: 200k steps loaded in minutes
      for (const Extraction& e : s.extract) {
        plan.regexes.push_back(e.from == Extraction::From::kRegex ? Pattern::compile(e.expr, j.file, 0, "extract." + e.variable)
                                                                  : Pattern());
        plan.extracts.push_back(static_cast<size_t>(std::find(vars.begin(), vars.end(), e.variable) - vars.begin()));
      }
      plans_.push_back(std::move(plan));
    }
    // The variables each step uses, from its templates (validate() checked them).
    TemplateNames names;
    if (j.feeder) names.columns = j.feeder->columns();
    names.variables = http.variables;
    for (size_t i = 0; i < j.steps.size(); ++i) {
      const Target& t = j.steps[i].request;
      std::vector<std::string> texts = {t.url, t.body};
      for (const Header& h : t.headers) texts.push_back(h.second);
      for (const std::string& text : texts) {
        const Template t = Template::compile(text, names, "step");
        plans_[i].uses.insert(plans_[i].uses.end(), t.uses().begin(), t.uses().end());
      }
    }
    variable_count_ = http.variables.size();
    http_ = http::make_http_driver(targets, http, load, std::move(settings));
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
  std::string protocol() const override { return "http"; }
  std::map<std::string, std::string> target_protocols() const override { return http_->target_protocols(); }

  const Journey& journey() const { return j_; }
  /// How many variables the journey extracts (Journey::variables(), counted once).
  size_t variable_count() const { return variable_count_; }
  const StepPlan& plan(size_t i) const { return plans_[i]; }
  http::HttpEngineDriver& http() { return *http_; }

 private:
  const Journey& j_;
  std::unique_ptr<http::HttpEngineDriver> http_;
  std::vector<StepPlan> plans_;
  uint32_t label_ = 0;
  size_t variable_count_ = 0;
};

JourneySlot::JourneySlot(asio::io_context& io, engine::SlotOwner& owner, JourneyDriver& d)
    : io_(io), owner_(owner), d_(d), think_(io), rng_(std::random_device{}() ^ reinterpret_cast<uintptr_t>(this)) {
  inner_ = d.http().make_slot(io, *this);
  step_slot_ = static_cast<http::StepSlot*>(inner_.get());
  const size_t vars = d.variable_count();
  values_.assign(vars, std::string());
  missing_.assign(vars, std::string());
  step_slot_->set_variables(&values_);
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
  h.target = static_cast<uint32_t>(step_);
  h.scheduled_steady = due_steady;
  h.scheduled_ns = hit_.scheduled_ns + (due_steady - hit_.scheduled_steady);
  // A variable an earlier step failed to extract: no request goes out without it.
  for (uint32_t v : d_.plan(step_).uses) {
    if (missing_[v].empty()) continue;
    const int64_t now = steady_now_ns();
    Result r = engine::make_result(h, now, now, Kind::kHttp);
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
  inner_->start(h);
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

// Checks, then extractions; "" when the step passed, else the first failure's text.
std::string JourneySlot::judge(const JourneyStep& step, const StepPlan& plan, const Result& r) {
  const std::string_view body = inner_->kept_body();
  std::optional<json> parsed;
  auto body_json = [&]() -> const json* {
    if (!parsed) parsed = json::parse(body, nullptr, false);
    return parsed->is_discarded() ? nullptr : &*parsed;
  };
  for (const StepCheck& c : step.checks) {
    bool ok = true;
    std::string got;
    if (c.what == StepCheck::What::kStatus) {
      ok = r.status == c.status;
      got = std::to_string(r.status);
    } else if (c.what == StepCheck::What::kBodyContains) {
      ok = body.find(c.text) != std::string_view::npos;
    } else {
      const json* j = body_json();
      const json want = json::parse(c.text, nullptr, false);
      ok = j && j->contains(json::json_pointer(c.pointer)) && (*j)[json::json_pointer(c.pointer)] == want;
      if (j && j->contains(json::json_pointer(c.pointer))) got = (*j)[json::json_pointer(c.pointer)].dump();
    }
    if (!ok) return "check " + c.name() + (got.empty() ? "" : ": got " + got);
  }
  size_t captured = 0;
  for (size_t k = 0; k < step.extract.size(); ++k) {
    const Extraction& e = step.extract[k];
    std::string value;
    bool found = false;
    if (e.from == Extraction::From::kJson) {
      const json* j = body_json();
      json::json_pointer p(e.expr);
      if (j && j->contains(p)) {
        const json& v = (*j)[p];
        value = v.is_string() ? v.get<std::string>() : v.dump();
        found = !v.is_null();
      }
    } else if (e.from == Extraction::From::kHeader) {
      const auto& caps = step_slot_->captured();
      if (captured < caps.size() && !caps[captured].empty()) {
        value = caps[captured];
        found = true;
      }
      ++captured;
    } else {
      found = plan.regexes[k].search(body, &value);
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
    inner_->cancel();
  else if (thinking_)
    think_.cancel();
}

}  // namespace

AttackRun attack_journey(const Journey& j, const HttpOptions& http, const AttackOptions& load) {
  JourneyDriver driver(j, http, load);
  return engine::attack(driver, load);
}

}  // namespace loadgate
