// prepared.cc: targets checked and built into wire bytes once, before the attack.
#include "protocol/http/prepared.h"

#include "loadgate/error.h"
#include "loadgate/template.h"

namespace loadgate::http {

Url target_url(const Target& t) {
  auto url = parse_url(Template::shape(t.url));
  if (!url || (url->scheme != "http" && url->scheme != "https"))
    throw InputError("", 0, "url", "bad URL \"" + printable(t.url) + "\"");
  return *url;
}

Prepared prepare_target(const Target& t, const Url& url, const HttpOptions& o, uint32_t origin, const Origin& to,
                        uint32_t label) {
  Prepared p;
  p.method = t.method;
  p.url = url;
  p.headers = o.headers;
  p.headers.insert(p.headers.end(), t.headers.begin(), t.headers.end());
  p.body = t.body.empty() ? o.body : t.body;
  // Nothing reaches the wire that could end the request early or smuggle another one.
  std::string why = header_problem({t.method, ""});
  if (!why.empty()) why = "bad method \"" + printable(t.method) + "\"";
  for (size_t i = 0; why.empty() && i < p.headers.size(); ++i) why = header_problem(p.headers[i]);
  if (why.empty()) why = framing_problem(p.headers, p.body);
  if (!why.empty()) throw InputError("", 0, "target " + printable(t.label()), why);
  p.origin = origin;
  p.body_size = p.body.size();
  p.head = t.method == "HEAD";
  p.label = label;
  bool holes = Template::has_holes(t.url) || Template::has_holes(p.body);
  for (const Header& h : p.headers) holes = holes || Template::has_holes(h.second);
  if (holes) {
    TemplateNames names;
    if (o.feeder) names.columns = o.feeder->columns();
    names.variables = o.variables;
    p.tpl = std::make_shared<RequestTemplate>(p.method, t.url, p.headers, p.body, o.keepalive, o.chunked,
                                              to.proxy && !to.url.tls(), names, "target " + printable(t.label()));
    if (o.feeder)
      for (uint32_t c : p.tpl->guarded_columns()) o.feeder->refuse_breaks(c, "target " + printable(t.label()));
    return p;
  }
  if (to.protocol == Protocol::kHttp2)
    p.h2 = H2Request::make(p.method, p.url, p.headers);
  else
    p.bytes = build_request(p.method, p.url, p.headers, p.body, o.keepalive, o.chunked, to.proxy && !to.url.tls());
  return p;
}

}  // namespace loadgate::http
