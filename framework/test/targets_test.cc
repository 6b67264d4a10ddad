// targets_test.cc: Vegeta's http and json targets formats, good and bad.
#include "loadgate/targets.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "loadgate/error.h"

namespace loadgate {
namespace {

TEST(Targets, HttpFormatWithHeadersCommentsAndBlankLines) {
  const char* text =
      "# the API\n"
      "\n"
      "GET http://127.0.0.1:8000/health\n"
      "X-Account-ID: 8675309\n"
      "Accept: application/json\n"
      "\n"
      "\n"
      "DELETE http://127.0.0.1:8000/api/items/1\n"
      "# a comment inside a target\n"
      "Authorization: Bearer x:y\n"
      "HEAD http://[::1]:9000/ping\n";
  auto t = parse_targets(text, "t.txt");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].method, "GET");
  EXPECT_EQ(t[0].url, "http://127.0.0.1:8000/health");
  ASSERT_EQ(t[0].headers.size(), 2u);
  EXPECT_EQ(t[0].headers[0], (Header{"X-Account-ID", "8675309"}));
  EXPECT_EQ(t[1].headers[0], (Header{"Authorization", "Bearer x:y"}));  // split on the first ':'
  EXPECT_EQ(t[2].method, "HEAD");  // a request line ends the previous target without a blank
  EXPECT_EQ(t[2].label(), "HEAD http://[::1]:9000/ping");
}

TEST(Targets, BodyFileRelativeToWorkingDirectoryOrTargetsFile) {
  const std::string dir = ::testing::TempDir();
  { std::ofstream(dir + "/lg_body.json") << "{\"name\":\"x\"}"; }
  auto t = parse_targets("POST http://h/items\nContent-Type: application/json\n@lg_body.json\n", dir + "/targets.txt");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].body, "{\"name\":\"x\"}");
  EXPECT_EQ(t[0].headers.size(), 1u);
}

struct BadTarget {
  const char* text;
  const char* error;  // exact what()
};

class TargetsBad : public ::testing::TestWithParam<BadTarget> {};

TEST_P(TargetsBad, ErrorNamesFileLineAndField) {
  try {
    parse_targets(GetParam().text, "targets/api.txt");
    FAIL() << "accepted: " << GetParam().text;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TargetsBad,
    ::testing::Values(
        BadTarget{"", "targets/api.txt: no targets to attack"},
        BadTarget{"# only a comment\n\n", "targets/api.txt: no targets to attack"},
        BadTarget{"GET\n", "targets/api.txt:1: target: bad target \"GET\" (want METHOD URL)"},
        BadTarget{"get http://h/\n", "targets/api.txt:1: method: bad method \"get\" (want upper-case, e.g. GET)"},
        BadTarget{"GET /relative\n",
                  "targets/api.txt:1: url: bad URL \"/relative\" (want an absolute http:// or https:// URL, no "
                  "spaces or control bytes)"},
        BadTarget{"GET ftp://h/x\n",
                  "targets/api.txt:1: url: bad URL \"ftp://h/x\" (want an absolute http:// or https:// URL, no "
                  "spaces or control bytes)"},
        BadTarget{"GET http://h:99999/\n",
                  "targets/api.txt:1: url: bad URL \"http://h:99999/\" (want an absolute http:// or https:// URL, no "
                  "spaces or control bytes)"},
        BadTarget{"\nGET http://h/\nNoColonHere\n",
                  "targets/api.txt:3: header: bad header \"NoColonHere\" (want Name: value)"},
        BadTarget{"GET http://h/\nX-Empty:\n", "targets/api.txt:2: header: bad header \"X-Empty:\" (want Name: value)"},
        BadTarget{"GET http://h/\n: value\n", "targets/api.txt:2: header: bad header \": value\" (want Name: value)"},
        BadTarget{"POST http://h/\n@\n", "targets/api.txt:2: body: empty body file name after '@'"},
        BadTarget{"POST http://h/\n@/nonexistent/body.json\n",
                  "targets/api.txt:2: body: cannot read body file \"/nonexistent/body.json\" (No such file or "
                  "directory)"},
        BadTarget{"GET http://h/ok\n\nGET http://h/ok\nbad header\n",
                  "targets/api.txt:4: header: bad header \"bad header\" (want Name: value)"},
        // Nothing that could end a request early, inject a header or smuggle a second request.
        BadTarget{"GET http://h/p HTTP/1.1\n",
                  "targets/api.txt:1: url: bad URL \"http://h/p HTTP/1.1\" (want an absolute http:// or https:// "
                  "URL, no spaces or control bytes)"},
        BadTarget{"GET http://h/\nx-a(b): v\n",
                  "targets/api.txt:2: header: header name \"x-a(b)\" holds a character a header name cannot (RFC "
                  "9110)"},
        BadTarget{"GET http://h/\nX-A: v\rX-Injected: 1\n",
                  "targets/api.txt:2: header: value of header X-A holds a control byte (CR, LF, NUL...): \"v\\rX-Injected: "
                  "1\""},
        BadTarget{"GET http://h/\nX-A: {{feed.id\n",
                  "targets/api.txt:1: template: header X-A: \"{{\" without \"}}\" in \"{{feed.id\""},
        BadTarget{"POST http://h/\nContent-Length: 5\n",
                  "targets/api.txt:1: header: Content-Length: 5 disagrees with the body's 0 bytes"},
        BadTarget{"POST http://h/\nTransfer-Encoding: chunked\n",
                  "targets/api.txt:1: header: Transfer-Encoding: loadgate frames request bodies itself (a user's "
                  "chunked header beside a plain body desyncs the connection)"},
        BadTarget{"POST http://h/\n@/dev/zero\n",
                  "targets/api.txt:2: body: cannot read body file \"/dev/zero\" (is a device, not a file)"},
        BadTarget{"POST http://h/\n@/tmp\n", "targets/api.txt:2: body: cannot read body file \"/tmp\" (is a directory)"},
        BadTarget{"GET http://h/\nAuthorization Bearer s3cret\n",
                  "targets/api.txt:2: header: bad header \"Authorization: <redacted>\" (want Name: value)"},
        BadTarget{"G\x01\x02 \x1b[31m\n",
                  "targets/api.txt:1: method: bad method \"G\\x01\\x02\" (want upper-case, e.g. GET)"}));

TEST(Targets, AHugeGarbageLineIsCutInTheMessage) {
  const std::string garbage = "GET http://h/" + std::string(1 << 20, 'x') + " y\n";
  try {
    parse_targets(garbage, "t.txt");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u);
    EXPECT_NE(std::string(e.what()).find("xxx...\""), std::string::npos) << e.what();
  }
}

TEST(Targets, SecretsNeverReachMessages) {
  try {
    parse_targets("GET http://h/\nCookie: session=s3cret\x01\n", "t.txt");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("<redacted>"), std::string::npos) << e.what();
  }
}

TEST(Targets, JsonFormat) {
  const char* text =
      "{\"method\":\"POST\",\"url\":\"http://h/items\",\"body\":\"eyJhIjoxfQ==\","
      "\"header\":{\"Content-Type\":[\"application/json\"],\"X-Multi\":[\"a\",\"b\"]}}\n"
      "\n"
      "{\"method\":\"GET\",\"url\":\"https://h:8443/x?y=1\"}\n";
  auto t = parse_targets(text, "t.json", TargetsFormat::kJson);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].body, "{\"a\":1}");
  ASSERT_EQ(t[0].headers.size(), 3u);
  EXPECT_EQ(t[0].headers[2], (Header{"X-Multi", "b"}));
  EXPECT_EQ(t[1].url, "https://h:8443/x?y=1");
}

class TargetsBadJson : public ::testing::TestWithParam<BadTarget> {};

TEST_P(TargetsBadJson, ErrorNamesFileLineAndField) {
  try {
    parse_targets(GetParam().text, "t.json", TargetsFormat::kJson);
    FAIL() << "accepted: " << GetParam().text;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TargetsBadJson,
    ::testing::Values(
        BadTarget{"{\"url\":\"http://h/\"}\n", "t.json:1: method: required method is missing"},
        BadTarget{"{\"method\":\"GET\"}\n", "t.json:1: url: required url is missing"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\"}\nnot json\n",
                  "t.json:2: target: not a JSON object: \"not json\""},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"body\":\"***\"}\n", "t.json:1: body: not valid base64"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"header\":{\"A\":\"x\"}}\n",
                  "t.json:1: header.A: want an array of strings"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"timeout\":3}\n",
                  "t.json:1: timeout: unknown key (want method, url, header, body)"},
        BadTarget{"{\"method\":7,\"url\":\"http://h/\"}\n", "t.json:1: method: wrong type"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"nope\"}\n",
                  "t.json:1: url: bad URL \"nope\" (want an absolute http:// or https:// URL, no spaces or control "
                  "bytes)"},
        // Smuggling through JSON strings: CR/LF in header values and names, a URL that is two
        // requests, a Content-Length that lies.
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"header\":{\"X-A\":[\"v\\r\\nX-Injected: 1\"]}}\n",
                  "t.json:1: header.X-A: value of header X-A holds a control byte (CR, LF, NUL...): "
                  "\"v\\r\\nX-Injected: 1\""},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"header\":{\"X-A\\r\\nB\":[\"v\"]}}\n",
                  "t.json:1: header.X-A\\r\\nB: header name \"X-A\\r\\nB\" holds a character a header name cannot "
                  "(RFC 9110)"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/p HTTP/1.1\\r\\nX-Injected: 1\\r\\n\\r\\nGET "
                  "/smuggled\"}\n",
                  "t.json:1: url: bad URL \"http://h/p HTTP/1.1\\r\\nX-Injected: 1\\r\\n\\r\\nGET /smuggled\" (want an "
                  "absolute http:// or https:// URL, no spaces or control bytes)"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"header\":{\"X-A\":[\"v\\u0000\"]}}\n",
                  "t.json:1: header.X-A: value of header X-A holds a control byte (CR, LF, NUL...): \"v\\x00\""},
        BadTarget{"{\"method\":\"POST\",\"url\":\"http://h/\",\"body\":\"YWJj\",\"header\":{\"Content-Length\":[\"10\"]}}\n",
                  "t.json:1: header: Content-Length: 10 disagrees with the body's 3 bytes"},
        BadTarget{"{\"method\":\"GET\",\"url\":\"http://h/\",\"header\":{\"Authorization\":[\"Bearer s3cret\\n\"]}}\n",
                  "t.json:1: header.Authorization: value of header Authorization holds a control byte (CR, LF, "
                  "NUL...): \"<redacted>\""}));

// -lazy: the stream reader gives what parse_targets() gives for the whole text, one at a time.
std::vector<Target> read_stream(const std::string& text, TargetsFormat format) {
  std::FILE* f = fmemopen(const_cast<char*>(text.data()), text.size(), "rb");
  TargetReader reader(f, "stream.txt", format);
  std::vector<Target> out;
  Target t;
  try {
    while (reader.next(t)) out.push_back(t);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
  return out;
}

TEST(TargetReader, StreamsWhatTheWholeFileParsesTo) {
  struct Row {
    const char* text;
    TargetsFormat format;
  } rows[] = {
      {"# c\n\nGET http://h/a\nX-A: 1\n\n\nPOST http://h/b\nContent-Type: text/plain\nGET http://h/c\n", TargetsFormat::kHttp},
      {"GET http://h/a\nGET http://h/b\n\nHEAD http://h/c", TargetsFormat::kHttp},  // no blank lines, no last newline
      {"{\"method\":\"GET\",\"url\":\"http://h/a\"}\n\n{\"method\":\"PUT\",\"url\":\"http://h/b\",\"body\":\"aGk=\"}\n",
       TargetsFormat::kJson},
  };
  for (const Row& r : rows) {
    const auto whole = parse_targets(r.text, "stream.txt", r.format);
    const auto streamed = read_stream(r.text, r.format);
    ASSERT_EQ(streamed.size(), whole.size()) << r.text;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(streamed[i].label(), whole[i].label());
      EXPECT_EQ(streamed[i].headers, whole[i].headers);
      EXPECT_EQ(streamed[i].body, whole[i].body);
    }
  }
}

TEST(TargetReader, ErrorsNameTheStreamsLine) {
  try {
    read_stream("GET http://h/a\n\nGET http://h/b\nBad header\n", TargetsFormat::kHttp);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.file(), "stream.txt");
  }
  try {
    read_stream("{\"method\":\"GET\",\"url\":\"http://h/a\"}\n\n{\"url\":3}\n", TargetsFormat::kJson);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3);
  }
}

TEST(Targets, RebaseKeepsPathsAndQueries) {
  std::vector<Target> t = {{"GET", "http://localhost:8000/api/items?x=1", {}, ""},
                           {"POST", "http://localhost:8000/", {}, "b"}};
  rebase_targets(t, "http://127.0.0.1:39211");
  EXPECT_EQ(t[0].url, "http://127.0.0.1:39211/api/items?x=1");
  EXPECT_EQ(t[1].url, "http://127.0.0.1:39211/");
  // Labels keep the URL as written: the port a service gets changes every run (#31 item 6).
  EXPECT_EQ(t[0].label(), "GET http://localhost:8000/api/items?x=1");
  rebase_targets(t, "http://127.0.0.1:40000");
  EXPECT_EQ(t[0].url, "http://127.0.0.1:40000/api/items?x=1");
  EXPECT_EQ(t[0].label(), "GET http://localhost:8000/api/items?x=1") << "the first URL as written, not the last rebase";
  EXPECT_THROW(rebase_targets(t, "not a url"), InputError);
}

TEST(Targets, Base64RoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string back;
    ASSERT_TRUE(base64_decode(base64_encode(s), back));
    EXPECT_EQ(back, s);
  }
}

}  // namespace
}  // namespace loadgate
