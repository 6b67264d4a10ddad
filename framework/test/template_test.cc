// template_test.cc: placeholders compiled once and filled per request; feeders in CSV and JSON
// lines; every bad input an error naming its field or line.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "loadgate/error.h"
#include "loadgate/feeder.h"
#include "loadgate/template.h"

namespace loadgate {
namespace {

struct FillRow {
  const char* text;
  const char* want;  // regex
};

TEST(Template, FillsEveryPlaceholder) {
  const TemplateNames names{{"user", "pass"}, {"token"}};
  const std::vector<std::string> row = {"alice", "s3cret"}, vars = {"abc123"};
  std::mt19937_64 rng(1);
  FillContext ctx;
  ctx.seq = 42;
  ctx.shard = "2/4";
  ctx.rng = &rng;
  ctx.row = &row;
  ctx.variables = &vars;
  const FillRow rows[] = {
      {"/plain", "/plain"},
      {"/items/{{seq}}", "/items/42"},
      {"{{shard}}", "2/4"},
      {"{{ rand_int 1 5 }}", "[1-5]"},
      {"{{rand_int -3 -3}}", "-3"},
      {"{{uuid}}", "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"},
      {"{{now_unix_ms}}", "1[0-9]{12}"},
      {R"({"user":"{{feed.user}}","password":"{{feed.pass}}"})", R"(\{"user":"alice","password":"s3cret"\})"},
      {"Bearer {{token}}", "Bearer abc123"},
      {"{{seq}}{{seq}}", "4242"},
  };
  for (const FillRow& r : rows) {
    const Template t = Template::compile(r.text, names, "body");
    std::string out;
    t.fill(ctx, out);
    EXPECT_TRUE(std::regex_match(out, std::regex(r.want))) << r.text << " -> " << out;
  }
}

TEST(Template, RandomValuesCoverTheirRangeAndUuidsDiffer) {
  const Template r = Template::compile("{{rand_int 1 3}}", {}, "url");
  const Template u = Template::compile("{{uuid}}", {}, "url");
  std::mt19937_64 rng(7);
  FillContext ctx;
  ctx.rng = &rng;
  std::set<std::string> seen, uuids;
  for (int i = 0; i < 300; ++i) {
    std::string a, b;
    r.fill(ctx, a);
    u.fill(ctx, b);
    seen.insert(a);
    uuids.insert(b);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"1", "2", "3"}));
  EXPECT_EQ(uuids.size(), 300u);
}

TEST(Template, FillingAppendsWithoutGrowingOnceWarm) {
  const Template t = Template::compile("/api/items/{{seq}}?x={{rand_int 1 9}}", {}, "url");
  std::mt19937_64 rng(1);
  FillContext ctx;
  ctx.rng = &rng;
  std::string out;
  out.reserve(64);
  const char* before = out.data();
  for (uint64_t i = 0; i < 1000; ++i) {
    out.clear();
    ctx.seq = i;
    t.fill(ctx, out);
  }
  EXPECT_EQ(out.data(), before) << "no reallocation";
  EXPECT_EQ(out.rfind("/api/items/999?x=", 0), 0u);
}

struct BadRow {
  const char* text;
  const char* error;
};

TEST(Template, BadPlaceholdersAreErrorsNamingTheField) {
  const TemplateNames names{{"user"}, {"token"}};
  const BadRow rows[] = {
      {"{{nope}}", "t.json: body: {{nope}}: unknown variable (want seq, shard, rand_int, uuid, now_unix_ms, feed.COLUMN, or a variable extracted by an earlier step: token)"},
      {"{{feed.email}}", "t.json: body: {{feed.email}}: no feeder column \"email\" (columns: user)"},
      {"{{rand_int 5 1}}", "t.json: body: {{rand_int 5 1}}: want {{rand_int LOW HIGH}} with integers LOW <= HIGH"},
      {"{{rand_int x}}", "t.json: body: {{rand_int x}}: want {{rand_int LOW HIGH}} with integers LOW <= HIGH"},
      {"a {{seq", "t.json: body: \"{{\" without \"}}\" in \"a {{seq\""},
  };
  for (const BadRow& r : rows) {
    try {
      Template::compile(r.text, names, "body", "t.json");
      ADD_FAILURE() << "no error for " << r.text;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), r.error);
    }
  }
}

TEST(Feeder, CsvWithQuotesAndModes) {
  const Feeder f = parse_feeder("user,password\nalice,\"pa,ss\"\n\"bob \"\"b\"\"\",x\n\ncarol,y\n", "u.csv",
                                FeedMode::kSequential);
  EXPECT_EQ(f.columns(), (std::vector<std::string>{"user", "password"}));
  ASSERT_EQ(f.size(), 3u);
  std::mt19937_64 rng(1);
  EXPECT_EQ((*f.row(0, rng))[1], "pa,ss");
  EXPECT_EQ((*f.row(1, rng))[0], "bob \"b\"");
  EXPECT_EQ(f.row(3, rng), nullptr) << "sequential: used up";
  Feeder c = f;
  c.mode = FeedMode::kCircular;
  EXPECT_EQ((*c.row(4, rng))[0], "bob \"b\"");
  c.mode = FeedMode::kRandom;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert((*c.row(0, rng))[0]);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Feeder, JsonLines) {
  const Feeder f = parse_feeder("{\"user\":\"a\",\"n\":1}\n{\"user\":\"b\",\"n\":true}\n", "u.jsonl");
  EXPECT_EQ(f.columns(), (std::vector<std::string>{"n", "user"}));  // nlohmann orders keys
  std::mt19937_64 rng(1);
  EXPECT_EQ((*f.row(1, rng))[0], "true");
}

TEST(Feeder, BadFilesNameTheLine) {
  const BadRow rows[] = {
      {"a,b\n1,2\n3\n", "u.csv:3: ragged row: 1 fields, the header has 2"},
      {"a,b\n1,\"2\n", "u.csv:2: a quoted field is not closed"},
      {"a\n", "u.csv: no rows"},
  };
  for (const BadRow& r : rows) {
    try {
      parse_feeder(r.text, "u.csv");
      ADD_FAILURE() << r.text;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), r.error);
    }
  }
  EXPECT_THROW(parse_feeder("{\"a\":1}\n[1]\n", "u.jsonl"), InputError);
  // An empty first row does not leave the columns to the second (a row narrower than the
  // columns: found by fuzz_feeder).
  EXPECT_THROW(parse_feeder("{}\n{\"id\":1}\n", "u.jsonl"), InputError);
  // A row that is not JSON at all says where and what.
  try {
    parse_feeder("{\"id\":1}\n{\"id\":1e400}\n", "u.jsonl");
    ADD_FAILURE() << "1e400 read";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "u.jsonl:2: not valid JSON: number overflow parsing '1e400'");
  }
  EXPECT_THROW(parse_feeder("{\"a\":1}\n{\"b\":1}\n", "u.jsonl"), InputError);
}

// Data values are checked where they land: percent-encoded in a URL, refused with CR, LF or NUL
// in a header or a raw request line, as they are in a body.
TEST(Template, DataValuesAreCheckedWhereTheyLand) {
  const TemplateNames names{{"v"}, {"var"}};
  struct Row {
    const char* text;
    Context context;
    const char* value;
    bool filled;
    const char* want;  // when filled
  };
  const Row rows[] = {
      {"/items/{{feed.v}}", Context::kUrl, "a b/c?d&e=f", true, "/items/a%20b%2Fc%3Fd%26e%3Df"},
      {"/items/{{feed.v}}", Context::kUrl, "a\r\nX-Injected: 1", true, "/items/a%0D%0AX-Injected%3A%201"},
      {"/items/{{raw feed.v}}", Context::kUrl, "a/b?c=d", true, "/items/a/b?c=d"},
      {"/items/{{raw feed.v}}", Context::kUrl, "a\r\nX: 1", false, ""},
      {"/items/{{feed.v}}", Context::kUrl, "safe-._~AZaz09", true, "/items/safe-._~AZaz09"},
      {"{{feed.v}}", Context::kHeader, "b\r\n\r\nGET /smuggled HTTP/1.1", false, ""},
      {"{{feed.v}}", Context::kHeader, "plain value / with spaces", true, "plain value / with spaces"},
      {"Bearer {{var}}", Context::kHeader, "tok\nen", false, ""},
      {"{\"v\":\"{{feed.v}}\"}", Context::kText, "line\r\nbreak", true, "{\"v\":\"line\r\nbreak\"}"},
      {"GET /i/{{feed.v}} HTTP/1.1\r\nX-A: {{var}}\r\n", Context::kRequestHead, "a b", true,
       "GET /i/a%20b HTTP/1.1\r\nX-A: a b\r\n"},
      {"GET /i/{{feed.v}} HTTP/1.1\r\nX-A: {{var}}\r\n", Context::kRequestHead, "a\nb", false, ""},
  };
  for (const Row& r : rows) {
    const std::vector<std::string> row = {r.value}, vars = {r.value};
    FillContext ctx;
    ctx.row = &row;
    ctx.variables = &vars;
    const Template t = Template::compile(r.text, names, "f", "", r.context);
    std::string out;
    EXPECT_EQ(t.fill(ctx, out), r.filled) << r.text << " <- " << printable(r.value);
    if (r.filled) {
      EXPECT_EQ(out, r.want) << r.text;
      EXPECT_EQ(t.refusal(ctx), "") << r.text;
    } else {
      EXPECT_NE(t.refusal(ctx).find("holds a CR, LF or NUL byte"), std::string::npos) << t.refusal(ctx);
    }
  }
  // A NUL inside a value (not cut by c_str) is refused in a header too.
  const std::vector<std::string> nul = {std::string("a\0b", 3)};
  FillContext ctx;
  ctx.row = &nul;
  std::string out;
  EXPECT_FALSE(Template::compile("{{feed.v}}", names, "f", "", Context::kHeader).fill(ctx, out));
  EXPECT_THROW(Template::compile("{{raw seq}}", names, "f"), InputError);
}

TEST(Template, FeederValuesBoundForAHeaderAreCheckedBeforeTheAttack) {
  const Feeder f = parse_feeder("id,h\nok,fine\n\"a\",\"b\r\n\r\nGET /smuggled HTTP/1.1\"\n", "crlf.csv");
  const Template t = Template::compile("X-Test: {{feed.h}}\r\n", TemplateNames{f.columns(), {}}, "f", "",
                                       Context::kHeader);
  ASSERT_EQ(t.guarded_columns(), std::vector<uint32_t>{1});
  try {
    f.refuse_breaks(1, "target GET /");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 18), "crlf.csv:3: h: hol") << e.what();
  }
  EXPECT_NO_THROW(f.refuse_breaks(0, "target GET /"));
}

}  // namespace
}  // namespace loadgate
