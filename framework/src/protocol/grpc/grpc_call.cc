// grpc_call.cc: where a method's descriptors come from (a .proto compiled at run time, a
// protoset, the server's reflection, or the protos linked in), and JSON into request bytes.
#include "protocol/grpc/grpc_call.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ai.pb.h"
#include "kernel.pb.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "protocol/grpc/grpc_reflection.h"

namespace loadgate {

// The reflection answers of one run (GrpcOptions::reflection_cache), by server (address, TLS,
// authority, reflection metadata) and service.
struct GrpcReflectionCache {
  // What a server's reflection said about one service: its files and the version.
  struct Reflected {
    std::vector<google::protobuf::FileDescriptorProto> files;
    std::string version;
  };
  static std::string key(const GrpcOptions& g, const std::string& service) {
    std::string k = g.addr + '\n' + g.authority + '\n' + (g.tls || !g.cacert.empty() || g.skip_verify ? "tls" : "") +
                    '\n' + service;
    for (const Header& h : g.reflect_metadata) k += '\n' + h.first + ':' + h.second;
    return k;
  }
  std::optional<Reflected> find(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = map.find(key);
    return it == map.end() ? std::nullopt : std::optional<Reflected>(it->second);
  }
  void put(const std::string& key, Reflected r) {
    std::lock_guard lock(mu);
    map[key] = std::move(r);
  }
  std::mutex mu;
  std::map<std::string, Reflected> map;
};

std::shared_ptr<GrpcReflectionCache> new_grpc_reflection_cache() { return std::make_shared<GrpcReflectionCache>(); }

std::string GrpcCallInfo::method_kind() const {
  if (client_streaming) return server_streaming ? "bidirectional-streaming" : "client-streaming";
  return server_streaming ? "server-streaming" : "unary";
}

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

// The first error building descriptors from a protoset or reflection (a missing import, ...).
class PoolErrors final : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& file, const std::string& element, const pb::Message*, ErrorLocation,
                const std::string& message) override {
    if (first.empty()) first = file + ": " + element + ": " + message;
  }
  std::string first;
};

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "package.Service/Method" (or with a '.' before the method, or a leading '/').
struct CallName {
  std::string service, method;
};
CallName split_call(const std::string& text, const char* flag) {
  std::string call = text;
  if (!call.empty() && call[0] == '/') call = call.substr(1);
  auto slash = call.rfind('/');
  if (slash == std::string::npos) slash = call.rfind('.');
  if (slash == std::string::npos || slash == 0 || slash + 1 == call.size())
    throw InputError("", 0, flag, "\"" + text + "\": want package.Service/Method");
  return {call.substr(0, slash), call.substr(slash + 1)};
}

bool embedded_service(const std::string& service) {
  (void)kernel::ExecuteRequest::descriptor();
  (void)ai::GenerateRequest::descriptor();
  return pb::DescriptorPool::generated_pool()->FindServiceByName(service) != nullptr;
}

}  // namespace

// Everything that must outlive descriptor lookups for one resolution.
struct Loaded {
  explicit Loaded(const GrpcOptions& g) : errors(base_of(g.proto), g.proto) {}
  pb::compiler::DiskSourceTree tree;
  Errors errors;
  std::unique_ptr<pb::compiler::Importer> importer;
  // A protoset's or the server's files (and the well-known ones they import).
  pb::SimpleDescriptorDatabase files;
  PoolErrors pool_errors;
  std::unique_ptr<pb::DescriptorPool> own_pool;
  const pb::DescriptorPool* pool = nullptr;
  std::string source;                  // GrpcCallInfo::source
  std::vector<std::string> services;   // what reflection listed (list_grpc_services)
};

namespace {

// A pool over `l.files` alone: a service the files lack is unknown even if linked in here.
// Imports that no one sent (the well-known google/protobuf/*.proto, which protoc and servers
// may leave out) come from the linked-in copies.
void pool_from_files(Loaded& l) {
  std::vector<std::string> names;
  l.files.FindAllFileNames(&names);
  std::vector<std::string> todo;
  for (const std::string& n : names) {
    pb::FileDescriptorProto f;
    if (l.files.FindFileByName(n, &f))
      for (const std::string& dep : f.dependency()) todo.push_back(dep);
  }
  while (!todo.empty()) {
    const std::string dep = todo.back();
    todo.pop_back();
    pb::FileDescriptorProto have;
    if (l.files.FindFileByName(dep, &have)) continue;
    const pb::FileDescriptor* linked = pb::DescriptorPool::generated_pool()->FindFileByName(dep);
    if (!linked || dep.rfind("google/protobuf/", 0) != 0) continue;  // reported when the pool is built
    pb::FileDescriptorProto copy;
    linked->CopyTo(&copy);
    l.files.Add(copy);
    for (const std::string& d : copy.dependency()) todo.push_back(d);
  }
  l.own_pool = std::make_unique<pb::DescriptorPool>(&l.files, &l.pool_errors);
  l.pool = l.own_pool.get();
}

void load_proto(const GrpcOptions& g, Loaded& l) {
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
  l.source = "proto " + g.proto;
}

void load_protoset(const GrpcOptions& g, Loaded& l) {
  const std::string bytes = read_file_or_throw(g.protoset, "-protoset", "cannot read protoset file");
  pb::FileDescriptorSet set;
  if (!set.ParseFromString(bytes) || set.file_size() == 0)
    throw InputError(g.protoset, 0, "-protoset",
                     "not a FileDescriptorSet (make one with protoc --descriptor_set_out=FILE --include_imports)");
  for (const auto& f : set.file())
    if (!l.files.Add(f)) throw InputError(g.protoset, 0, "-protoset", "file " + f.name() + " is in the set twice, differently");
  pool_from_files(l);
  l.source = "protoset " + g.protoset;
}

// Adds reflection's answer to l.files, then asks for every import still missing (bounded: a
// server that keeps naming new files is cut off).
void add_reflected(Reflector& r, const ReflectionAnswer& first, Loaded& l) {
  std::set<std::string> have;
  std::vector<std::string> pending;
  auto add = [&](const ReflectionAnswer& a) {
    for (const std::string& bytes : a.files) {
      pb::FileDescriptorProto f;
      if (!f.ParseFromString(bytes)) throw InputError("", 0, "-addr", "server reflection sent a file descriptor that does not parse");
      if (!have.insert(f.name()).second) continue;
      l.files.Add(f);
      for (const std::string& dep : f.dependency()) pending.push_back(dep);
    }
  };
  add(first);
  for (int asked = 0; !pending.empty() && asked < 200;) {
    const std::string name = pending.back();
    pending.pop_back();
    if (have.count(name) || name.rfind("google/protobuf/", 0) == 0) continue;  // well-known: linked in
    ++asked;
    const ReflectionAnswer a = r.file_by_filename(name);
    if (a.outcome != ReflectionAnswer::Outcome::kOk)
      throw InputError("", 0, "-addr", "server reflection: cannot get " + name + " (" + a.message + ")");
    add(a);
  }
}

[[noreturn]] void no_reflection(const GrpcOptions& g, const ReflectionAnswer& a) {
  if (a.outcome == ReflectionAnswer::Outcome::kNotOffered)
    throw InputError("", 0, "-proto",
                     g.addr + " does not offer server reflection (grpc.reflection.v1 or v1alpha): give the method's "
                              "-proto FILE or -protoset FILE");
  throw InputError("", 0, "-addr",
                   "server reflection at " + g.addr + ": " + a.message + "; give -proto FILE or -protoset FILE");
}

// Without a proto or protoset: the server's reflection, for `service` ("" = list services).
void load_reflected(const GrpcOptions& g, const std::string& service, Loaded& l) {
  GrpcReflectionCache* cache = service.empty() ? nullptr : g.reflection_cache.get();
  const std::string cache_key = cache ? GrpcReflectionCache::key(g, service) : "";
  if (cache)
    if (std::optional<GrpcReflectionCache::Reflected> known = cache->find(cache_key)) {
      for (const pb::FileDescriptorProto& f : known->files) l.files.Add(f);
      pool_from_files(l);
      l.source = "reflection (" + known->version + ")";
      return;
    }
  Reflector r(g);
  const ReflectionAnswer a = service.empty() ? r.list_services() : r.file_containing_symbol(service);
  using Outcome = ReflectionAnswer::Outcome;
  if (a.outcome == Outcome::kOk) {
    if (service.empty()) {
      l.services = a.services;
      for (const std::string& s : a.services) {
        const ReflectionAnswer f = r.file_containing_symbol(s);
        if (f.outcome == Outcome::kOk) add_reflected(r, f, l);  // else listed without methods
      }
    } else {
      add_reflected(r, a, l);
      if (cache) {
        GrpcReflectionCache::Reflected known{{}, r.version()};
        std::vector<std::string> names;
        l.files.FindAllFileNames(&names);
        for (const std::string& n : names) {
          pb::FileDescriptorProto f;
          if (l.files.FindFileByName(n, &f)) known.files.push_back(std::move(f));
        }
        cache->put(cache_key, std::move(known));
      }
    }
    pool_from_files(l);
    l.source = "reflection (" + r.version() + ")";
    return;
  }
  if (a.outcome == Outcome::kNotFound) {  // the server has reflection but not this service
    pool_from_files(l);
    l.source = "reflection (" + r.version() + ")";
    return;
  }
  // No reflection, or no server yet: the embedded services' own methods need neither.
  if (!service.empty() && (a.outcome == Outcome::kNotOffered || a.outcome == Outcome::kUnreachable) &&
      embedded_service(service)) {
    l.pool = pb::DescriptorPool::generated_pool();
    l.source = "embedded protos";
    return;
  }
  no_reflection(g, a);
}

void load(const GrpcOptions& g, const std::string& service, Loaded& l) {
  if (!g.proto.empty() && !g.protoset.empty()) throw InputError("", 0, "-protoset", "give -proto or -protoset, not both");
  if (!g.proto.empty()) return load_proto(g, l);
  if (!g.protoset.empty()) return load_protoset(g, l);
  load_reflected(g, service, l);
}

const pb::MethodDescriptor* find_method(const GrpcOptions& g, const Loaded& l) {
  const CallName name = split_call(g.call, "-call");
  const pb::ServiceDescriptor* s = l.pool->FindServiceByName(name.service);
  if (!s) {
    std::string why = l.pool_errors.first.empty() ? "" : " (" + l.pool_errors.first + ")";
    throw InputError("", 0, "-call", "unknown service \"" + name.service + "\" in " + l.source + why);
  }
  const pb::MethodDescriptor* m = s->FindMethodByName(name.method);
  if (!m) {
    std::string known;
    for (int i = 0; i < s->method_count(); ++i) known += (i ? ", " : "") + s->method(i)->name();
    throw InputError("", 0, "-call",
                     "unknown method \"" + name.method + "\" of " + name.service + " (known: " + known + ")");
  }
  return m;
}

GrpcCallInfo info_of(const pb::MethodDescriptor* m, const std::string& source) {
  GrpcCallInfo info;
  info.path = "/" + m->service()->full_name() + "/" + m->name();
  info.server_streaming = m->server_streaming();
  info.client_streaming = m->client_streaming();
  info.input_type = m->input_type()->full_name();
  info.output_type = m->output_type()->full_name();
  info.source = source;
  return info;
}

}  // namespace

// What encodes JSON into request bytes: the loaded protos, a message factory, the input type.
class Encoder {
 public:
  std::unique_ptr<Loaded> loaded;
  std::unique_ptr<pb::DynamicMessageFactory> factory;
  const pb::Descriptor* input = nullptr;
  const pb::Descriptor* output = nullptr;
};

bool decode(const Encoder& e, std::string_view bytes, std::string& json) {
  std::unique_ptr<pb::Message> msg(e.factory->GetPrototype(e.output)->New());
  if (!msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  json.clear();
  pb::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;  // the names the .proto and the request data use
  return pb::util::MessageToJsonString(*msg, &json, o).ok();
}

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

bool encode_stream(const Encoder& e, const std::string& json_array, std::vector<std::string>& out, std::string& error) {
  const auto j = nlohmann::json::parse(json_array, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty()) {
    error = std::string(j.is_discarded() ? "not JSON" : "not a JSON array of messages") + ": " + printable(json_array, 80);
    return false;
  }
  out.resize(j.size());
  for (size_t k = 0; k < j.size(); ++k)
    if (!encode(e, j[k].dump(), out[k], error)) {
      error = "element " + std::to_string(k + 1) + ": " + error;
      return false;
    }
  return true;
}

namespace {

// A client stream's -data: a JSON array of messages, each encoded.
std::vector<std::string> encode_stream_or_throw(const Encoder& enc, const GrpcCallInfo& info, const std::string& data,
                                                const std::string& which) {
  const auto j = nlohmann::json::parse(data, nullptr, false);
  const std::string kind = info.path.substr(1) + " is " + info.method_kind();
  if (j.is_discarded()) throw InputError("", 0, "-data", which + " is not JSON");
  if (!j.is_array())
    throw InputError("", 0, "-data",
                     kind + ": " + which + " must be a JSON array, one element per message of the stream (got " +
                         std::string(j.type_name()) + ")");
  if (j.empty()) throw InputError("", 0, "-data", kind + ": " + which + " is an empty array: a stream needs messages");
  std::vector<std::string> out;
  for (size_t k = 0; k < j.size(); ++k) {
    std::string bytes, error;
    if (!encode(enc, j[k].dump(), bytes, error))
      throw InputError("", 0, "-data",
                       which + ", element " + std::to_string(k + 1) + " does not fit " + info.input_type + ": " + error);
    out.push_back(std::move(bytes));
  }
  return out;
}

// The messages of -binary: several, each prefixed by its length as a varint, when the bytes
// split exactly so and every part parses as `input`; else the bytes as one message (as ghz).
std::vector<std::string> binary_messages(const std::string& bytes, const pb::Message& prototype) {
  std::vector<std::string> parts;
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  std::unique_ptr<pb::Message> probe(prototype.New());
  bool delimited = !bytes.empty();
  while (delimited && in.CurrentPosition() < static_cast<int>(bytes.size())) {
    uint32_t size = 0;
    std::string part;
    delimited = in.ReadVarint32(&size) && in.ReadString(&part, static_cast<int>(size)) && probe->ParseFromString(part);
    if (delimited) parts.push_back(std::move(part));
  }
  if (delimited && !parts.empty()) return parts;
  if (!probe->ParseFromString(bytes))
    throw InputError("", 0, "-binary-file",
                     "neither one serialized " + prototype.GetDescriptor()->full_name() +
                         " nor a sequence of length-prefixed ones (" + std::to_string(bytes.size()) + " bytes)");
  return {bytes};
}

}  // namespace

Call resolve_call(const GrpcOptions& g) {
  auto enc = std::make_shared<Encoder>();
  enc->loaded = std::make_unique<Loaded>(g);
  Loaded& l = *enc->loaded;
  load(g, split_call(g.call, "-call").service, l);
  const pb::MethodDescriptor* m = find_method(g, l);
  Call c;
  c.info = info_of(m, l.source);
  enc->factory = std::make_unique<pb::DynamicMessageFactory>(l.pool);
  enc->input = m->input_type();
  enc->output = m->output_type();
  if (g.compression != "" && g.compression != "gzip")
    throw InputError("", 0, "-compression", "\"" + g.compression + "\": want gzip (or none)");
  if (g.stream_call_count < 0) throw InputError("", 0, "-stream-call-count", "want 0 or more messages");
  if (g.stream_interval.count() < 0 || g.stream_call_duration.count() < 0)
    throw InputError("", 0, "-stream-interval", "want a duration of 0 or more");
  TemplateNames names;
  if (g.feeder) names.columns = g.feeder->columns();
  names.variables = g.variables;
  for (size_t i = 0; i < g.metadata.size(); ++i)
    if (Template::has_holes(g.metadata[i].second))
      c.metadata_templates.emplace_back(i, Template::compile(g.metadata[i].second, names, "-metadata." + g.metadata[i].first));
  if (g.binary) {
    if (!g.data.empty()) throw InputError("", 0, "-binary-file", "-data and -binary-file are one or the other");
    if (g.message) throw InputError("", 0, "message", "binary requests and a message hook are one or the other");
    const std::vector<std::string> messages = binary_messages(*g.binary, *enc->factory->GetPrototype(enc->input));
    if (m->client_streaming()) {
      c.streams.push_back(messages);
      c.requests.push_back(messages.front());
    } else {
      c.requests = messages;
    }
    c.info.requests = c.requests.size();
    c.encoder = enc;
    return c;
  }
  std::mt19937_64 rng(1);
  // A template tried once, filled with the first feeder row, so that a shape that cannot fit is
  // an error now rather than a failure of every call.
  auto sample = [&](const Template& t) {
    FillContext ctx;
    ctx.rng = &rng;
    std::vector<std::string> row = g.feeder && g.feeder->size() ? *g.feeder->row(0, rng) : std::vector<std::string>{};
    ctx.row = &row;
    const std::vector<std::string> values(g.variables.size(), "0");  // a journey's values: unknown yet
    ctx.variables = &values;
    std::string json;
    t.fill(ctx, json);
    return json;
  };
  if (m->client_streaming()) {
    const std::vector<std::string> data = g.data.empty() ? std::vector<std::string>{"[{}]"} : g.data;
    bool holes = false;
    for (const std::string& d : data) holes = holes || Template::has_holes(d);
    for (size_t i = 0; i < data.size(); ++i) {
      const std::string which = data.size() > 1 ? "stream " + std::to_string(i + 1) : "stream";
      std::string json = data[i];
      if (holes) {  // the whole array is one template, filled per call (or per message)
        c.templates.push_back(Template::compile(data[i], names, "-data " + which));
        json = sample(c.templates.back());
      }
      const std::string named = holes ? which + " (filled: " + printable(json, 80) + ")" : which;
      c.streams.push_back(encode_stream_or_throw(*enc, c.info, json, named));
      c.requests.push_back(c.streams.back().front());
    }
    if (g.message) throw InputError("", 0, "message", c.info.method_kind() + " calls take -data streams, not a message hook");
    c.info.requests = c.streams.size();
    c.encoder = enc;
    return c;
  }
  const std::vector<std::string> data = g.data.empty() ? std::vector<std::string>{"{}"} : g.data;
  bool holes = false;
  for (const std::string& d : data) holes = holes || Template::has_holes(d);
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string which = data.size() > 1 ? "message " + std::to_string(i + 1) : "message";
    std::string json = data[i];
    if (!holes && !json.empty() && json.find_first_not_of(" \t\r\n") != std::string::npos &&
        json[json.find_first_not_of(" \t\r\n")] == '[')
      throw InputError("", 0, "-data",
                       c.info.path.substr(1) + " is " + c.info.method_kind() + ": " + which +
                           " must be one JSON object per call (got an array, which is for client streams)");
    if (holes) {
      c.templates.push_back(Template::compile(data[i], names, "-data " + which));
      json = sample(c.templates.back());
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

std::vector<GrpcServiceInfo> list_services(const GrpcOptions& g) {
  Loaded l(g);
  load(g, "", l);
  std::vector<std::string> names = l.services;
  if (!l.importer && l.services.empty()) {  // a protoset: every service in its files
    std::vector<std::string> files;
    l.files.FindAllFileNames(&files);
    for (const std::string& f : files)
      if (const pb::FileDescriptor* fd = l.pool->FindFileByName(f))
        for (int i = 0; i < fd->service_count(); ++i) names.push_back(fd->service(i)->full_name());
  }
  if (l.importer) {
    const pb::FileDescriptor* fd = l.pool->FindFileByName(base_of(g.proto));
    for (int i = 0; fd && i < fd->service_count(); ++i) names.push_back(fd->service(i)->full_name());
  }
  std::sort(names.begin(), names.end());
  std::vector<GrpcServiceInfo> out;
  for (const std::string& n : names) {
    GrpcServiceInfo s;
    s.name = n;
    if (const pb::ServiceDescriptor* sd = l.pool->FindServiceByName(n))
      for (int i = 0; i < sd->method_count(); ++i) s.methods.push_back(info_of(sd->method(i), l.source));
    out.push_back(std::move(s));
  }
  return out;
}

std::string describe_symbol(const GrpcOptions& g, const std::string& symbol) {
  std::string service = symbol, method;
  if (symbol.find('/') != std::string::npos) {
    const CallName n = split_call(symbol, "-describe");
    service = n.service;
    method = n.method;
  }
  Loaded l(g);
  load(g, service, l);
  const pb::ServiceDescriptor* s = l.pool->FindServiceByName(service);
  if (!s && method.empty()) {  // Service.Method spelled with a dot
    const auto dot = symbol.rfind('.');
    if (dot != std::string::npos) {
      service = symbol.substr(0, dot);
      method = symbol.substr(dot + 1);
      s = l.pool->FindServiceByName(service);
    }
  }
  if (!s) throw InputError("", 0, "-describe", "unknown service \"" + service + "\" in " + l.source);
  if (method.empty()) return s->DebugString();
  const pb::MethodDescriptor* m = s->FindMethodByName(method);
  if (!m) throw InputError("", 0, "-describe", "unknown method \"" + method + "\" of " + service);
  const GrpcCallInfo info = info_of(m, l.source);
  std::string out = info.path.substr(1) + " (" + info.method_kind() + ", from " + l.source + ")\n";
  out += "  rpc " + m->name() + "(" + (m->client_streaming() ? "stream " : "") + info.input_type + ") returns (" +
         (m->server_streaming() ? "stream " : "") + info.output_type + ")\n\n";
  out += m->input_type()->DebugString();
  if (m->output_type() != m->input_type()) out += "\n" + m->output_type()->DebugString();
  return out;
}

}  // namespace grpcx

GrpcCallInfo describe_grpc_call(const GrpcOptions& g) { return grpcx::resolve_call(g).info; }
std::vector<GrpcServiceInfo> list_grpc_services(const GrpcOptions& g) { return grpcx::list_services(g); }
std::string describe_grpc_symbol(const GrpcOptions& g, const std::string& symbol) {
  return grpcx::describe_symbol(g, symbol);
}

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
  if (!grpcx::metadata_value_ok(value))
    throw InputError("", 0, "-metadata." + key,
                       "value \"" + printable(key == "authorization" ? "<redacted>" : value, 60) +
                           "\": want printable ASCII (space to '~'); gRPC sends nothing else in a text value");
  return {key, value};
}

}  // namespace

std::vector<Header> load_grpc_metadata_file(const std::string& path) {
  const std::string body = read_file_or_throw(path, "-metadata-file", "cannot read metadata file");
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || body[first] != '{')
    throw InputError(path, 0, "-metadata-file", "want one JSON object {\"key\": \"value\", ...}");
  try {
    return parse_grpc_metadata(body.substr(first));
  } catch (const InputError& e) {
    throw InputError(path, 0, e.field() == "-metadata" ? "-metadata-file" : e.field(), e.message());
  }
}

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
