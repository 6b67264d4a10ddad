// grpc_call.cc: .proto files at run time (compiler::Importer), JSON into DynamicMessage, bytes.
#include "protocol/grpc/grpc_call.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <memory>
#include <random>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ai.pb.h"
#include "kernel.pb.h"
#include "loadgate/error.h"

namespace loadgate {
namespace grpcx {
namespace {

namespace pb = google::protobuf;

// Collects the first parse error with its position; names files as the user did.
class Errors final : public pb::compiler::MultiFileErrorCollector {
 public:
  Errors(std::string main_virtual, std::string main_path)
      : main_virtual_(std::move(main_virtual)), main_path_(std::move(main_path)) {}
  void AddError(const std::string& file, int line, int column, const std::string& message) override {
    if (!first.empty()) return;
    const std::string name = file == main_virtual_ ? main_path_ : file;
    first = name + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  std::string first;

 private:
  std::string main_virtual_, main_path_;
};

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Everything that must outlive descriptor lookups for one resolution.
struct Loaded {
  explicit Loaded(const GrpcOptions& g) : errors(base_of(g.proto), g.proto) {}
  pb::compiler::DiskSourceTree tree;
  Errors errors;
  std::unique_ptr<pb::compiler::Importer> importer;
  const pb::DescriptorPool* pool = nullptr;
};

void load(const GrpcOptions& g, Loaded& l) {
  if (g.proto.empty()) {
    // The embedded services' protos are linked in: make sure their descriptors are registered.
    (void)kernel::ExecuteRequest::descriptor();
    (void)ai::GenerateRequest::descriptor();
    l.pool = pb::DescriptorPool::generated_pool();
    return;
  }
  if (!std::ifstream(g.proto)) throw InputError(g.proto, 0, "-proto", "cannot read proto file");
  l.tree.MapPath("", dir_of(g.proto));
  for (const std::string& dir : g.import_paths) l.tree.MapPath("", dir);
  l.tree.MapPath("", "/usr/include");  // google/protobuf/*.proto well-known types
  l.importer = std::make_unique<pb::compiler::Importer>(&l.tree, &l.errors);
  if (!l.importer->Import(base_of(g.proto))) {
    if (l.errors.first.empty()) throw InputError(g.proto, 0, "-proto", "cannot parse proto file");
    throw InputError("", 0, "-proto", l.errors.first);
  }
  l.pool = l.importer->pool();
}

const pb::MethodDescriptor* find_method(const GrpcOptions& g, const pb::DescriptorPool& pool) {
  std::string call = g.call;
  if (!call.empty() && call[0] == '/') call = call.substr(1);
  auto slash = call.rfind('/');
  if (slash == std::string::npos) slash = call.rfind('.');
  if (slash == std::string::npos || slash == 0 || slash + 1 == call.size())
    throw InputError("", 0, "-call", "\"" + g.call + "\": want package.Service/Method");
  const std::string service = call.substr(0, slash), method = call.substr(slash + 1);
  const pb::ServiceDescriptor* s = pool.FindServiceByName(service);
  const std::string where = g.proto.empty() ? "the embedded services' protos" : g.proto;
  if (!s) throw InputError("", 0, "-call", "unknown service \"" + service + "\" in " + where);
  const pb::MethodDescriptor* m = s->FindMethodByName(method);
  if (!m) {
    std::string known;
    for (int i = 0; i < s->method_count(); ++i) known += (i ? ", " : "") + s->method(i)->name();
    throw InputError("", 0, "-call", "unknown method \"" + method + "\" of " + service + " (known: " + known + ")");
  }
  if (m->client_streaming())
    throw InputError("", 0, "-call", g.call + " is client-streaming: loadgate sends unary and server-streaming calls");
  return m;
}

}  // namespace

// What encodes JSON into request bytes: the loaded protos, a message factory, the input type.
class Encoder {
 public:
  std::unique_ptr<Loaded> loaded;
  std::unique_ptr<pb::DynamicMessageFactory> factory;
  const pb::Descriptor* input = nullptr;
};

bool encode(const Encoder& e, const std::string& json, std::string& out, std::string& error) {
  std::unique_ptr<pb::Message> msg(e.factory->GetPrototype(e.input)->New());
  const auto status = pb::util::JsonStringToMessage(json, msg.get());
  if (!status.ok()) {
    error = std::string(status.message());
    return false;
  }
  out.clear();
  msg->SerializeToString(&out);
  return true;
}

Call resolve_call(const GrpcOptions& g) {
  auto enc = std::make_shared<Encoder>();
  enc->loaded = std::make_unique<Loaded>(g);
  Loaded& l = *enc->loaded;
  load(g, l);
  const pb::MethodDescriptor* m = find_method(g, *l.pool);
  Call c;
  c.info.path = "/" + m->service()->full_name() + "/" + m->name();
  c.info.server_streaming = m->server_streaming();
  c.info.input_type = m->input_type()->full_name();
  c.info.output_type = m->output_type()->full_name();
  enc->factory = std::make_unique<pb::DynamicMessageFactory>(l.pool);
  enc->input = m->input_type();
  const std::vector<std::string> data = g.data.empty() ? std::vector<std::string>{"{}"} : g.data;
  bool holes = false;
  for (const std::string& d : data) holes = holes || Template::has_holes(d);
  TemplateNames names;
  if (g.feeder) names.columns = g.feeder->columns();
  std::mt19937_64 rng(1);
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string which = data.size() > 1 ? "message " + std::to_string(i + 1) : "message";
    std::string json = data[i];
    if (holes) {
      // Compiled, then tried once filled (with the first feeder row), so that a shape that
      // cannot fit is an error now rather than a failure of every call.
      c.templates.push_back(Template::compile(data[i], names, "-data " + which));
      FillContext ctx;
      ctx.rng = &rng;
      std::vector<std::string> row = g.feeder && g.feeder->size() ? *g.feeder->row(0, rng) : std::vector<std::string>{};
      ctx.row = &row;
      json.clear();
      c.templates.back().fill(ctx, json);
    }
    std::string bytes, error;
    if (!encode(*enc, json, bytes, error))
      throw InputError("", 0, "-data",
                       which + (holes ? " (filled: " + printable(json, 80) + ")" : "") + " does not fit " +
                           c.info.input_type + ": " + error);
    c.requests.push_back(bytes);
  }
  c.info.requests = c.requests.size();
  c.encoder = enc;
  return c;
}

}  // namespace grpcx

GrpcCallInfo describe_grpc_call(const GrpcOptions& g) { return grpcx::resolve_call(g).info; }

std::vector<std::string> load_grpc_data(const std::string& flag) {
  if (flag.empty()) return {};
  if (flag[0] != '@') return {flag};
  const std::string path = flag.substr(1);
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "-data", "cannot read data file");
  std::vector<std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!nlohmann::json::accept(line)) throw InputError(path, n, "-data", "not a JSON object");
    out.push_back(line);
  }
  if (out.empty()) throw InputError(path, 0, "-data", "no messages in data file");
  return out;
}

namespace {

// gRPC metadata keys are lower case [a-z0-9-_.]; upper case is folded, anything else refused.
// Values are printable ASCII (space to '~'): gRPC aborts the process on anything else.
Header metadata_entry(std::string key, std::string value) {
  if (key.empty()) throw InputError("", 0, "-metadata", "empty key");
  for (char& c : key) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      throw InputError("", 0, "-metadata", "key \"" + printable(key, 60) + "\": want letters, digits, '-', '_' or '.'");
  }
  if (key.size() > 4 && key.substr(key.size() - 4) == "-bin")
    throw InputError("", 0, "-metadata", "key \"" + key + "\": binary (-bin) metadata is not supported");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      throw InputError("", 0, "-metadata." + key,
                       "value \"" + printable(key == "authorization" ? "<redacted>" : value, 60) +
                           "\": want printable ASCII (space to '~'); gRPC sends nothing else in a text value");
  return {key, value};
}

}  // namespace

std::vector<Header> parse_grpc_metadata(const std::string& flag) {
  std::vector<Header> out;
  if (flag.empty()) return out;
  if (flag[0] == '{') {
    auto j = nlohmann::json::parse(flag, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw InputError("", 0, "-metadata", "not a JSON object");
    for (auto& [k, v] : j.items()) {
      if (!v.is_string()) throw InputError("", 0, "-metadata." + printable(k, 60), "want a string value");
      out.push_back(metadata_entry(k, v.get<std::string>()));
    }
    return out;
  }
  const auto colon = flag.find(':');
  if (colon == std::string::npos || colon == 0)
    throw InputError("", 0, "-metadata", "\"" + printable(flag, 60) + "\": want {\"key\":\"value\"} or key:value");
  std::string value = flag.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(value.begin());
  out.push_back(metadata_entry(flag.substr(0, colon), value));
  return out;
}

}  // namespace loadgate
