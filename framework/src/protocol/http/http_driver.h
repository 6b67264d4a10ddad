// http_driver.h (internal): the HTTP driver behind attack_http(), for drivers built on it
// (journeys): steps as targets with settings of their own, and slots a journey can steer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/driver.h"
#include "loadgate/http.h"

namespace loadgate::http {

/// StepSettings are what a journey sets for one target (step) of the driver.
struct StepSettings {
  std::string label;                 ///< results' label instead of "METHOD URL"
  size_t keep_body = 0;              ///< body bytes to keep (extractions and checks read them)
  std::vector<std::string> capture;  ///< response headers to capture (case-insensitive)
};

/// StepSlot is an HTTP slot as a journey drives it.
class StepSlot : public engine::Slot {
 public:
  /// The captured headers of the request just done, as its StepSettings::capture names them.
  virtual const std::vector<std::string>& captured() const = 0;
};

/// HttpEngineDriver is the driver; its slots are StepSlots.
class HttpEngineDriver : public engine::Driver {
 public:
  /// The error that ended a streamed list of targets early, if one did (rethrown by callers).
  virtual std::optional<InputError> stream_error() const = 0;
};

/// Makes the driver of `targets`; `steps`, when given, has one entry per target.
std::unique_ptr<HttpEngineDriver> make_http_driver(const std::vector<Target>& targets, const HttpOptions& o,
                                                   const AttackOptions& options, std::vector<StepSettings> steps = {});

}  // namespace loadgate::http
