// interner.cc: a global append-only string table with a per-thread cache in front.
#include "loadgate/interner.h"

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace loadgate {
namespace {

struct Table {
  std::shared_mutex mu;
  std::deque<std::string> texts{std::string()};  // id 0 = ""
  std::unordered_map<std::string_view, uint32_t> ids;
};

Table& table() {
  static Table* t = new Table();  // never destroyed: ids stay valid during static teardown
  return *t;
}

}  // namespace

uint32_t intern(std::string_view text) {
  if (text.empty()) return 0;
  thread_local std::unordered_map<std::string, uint32_t> cache;
  if (auto it = cache.find(std::string(text)); it != cache.end()) return it->second;
  Table& t = table();
  uint32_t id;
  {
    std::unique_lock lock(t.mu);
    auto it = t.ids.find(text);
    if (it != t.ids.end()) {
      id = it->second;
    } else {
      id = static_cast<uint32_t>(t.texts.size());
      t.texts.emplace_back(text);
      t.ids.emplace(t.texts.back(), id);
    }
  }
  if (cache.size() < 4096) cache.emplace(std::string(text), id);
  return id;
}

const std::string& interned(uint32_t id) {
  Table& t = table();
  std::shared_lock lock(t.mu);
  if (id >= t.texts.size()) return t.texts[0];
  return t.texts[id];
}

}  // namespace loadgate
