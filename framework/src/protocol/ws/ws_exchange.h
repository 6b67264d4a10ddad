// ws_exchange.h (internal): a journey's WebSocket step (JourneyWs of journey.h) as a driver of the
// engine: each hit connects, sends the step's messages, reads until a message passes the
// journey's checks, closes. journey_driver.cc is its one user.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/driver.h"
#include "loadgate/journey.h"
#include "loadgate/template.h"

namespace loadgate::ws {

/// ExchangeSlot is a slot of the exchange driver.
class ExchangeSlot : public engine::Slot {
 public:
  /// Whether a message passes the step (its checks): the first that does ends the exchange
  /// and is the step's kept_body(). Called on the slot's thread.
  virtual void set_matcher(std::function<bool(std::string_view message)> passes) = 0;
};

/// The driver of step `w`, its results labelled `label` (Kind kWsMessage, status 101 once open;
/// latency from the due time to the message that passed). `names` are the journey's for the
/// placeholders of the URL's path and query, the handshake headers and the messages; `feeder`
/// gives the rows for {{feed.column}}. Throws InputError for a URL that is not ws(s)://.
std::unique_ptr<engine::Driver> make_exchange_driver(const JourneyWs& w, const TemplateNames& names,
                                                     std::shared_ptr<const Feeder> feeder, const std::string& label);

}  // namespace loadgate::ws
