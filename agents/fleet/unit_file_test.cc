#include "agents/fleet/unit_file.h"

#include <gtest/gtest.h>
#include <algorithm>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

UnitFile parse_ok(std::string_view raw) {
  auto unit = UnitFile::parse(raw);
  EXPECT_TRUE(unit) << (unit ? "" : unit.error());
  return unit ? *unit : UnitFile{};
}

using Options = std::vector<UnitOption>;

}  // namespace

// gtest prints options readably, bytes quoted as Go would.
void PrintTo(const UnitOption& o, std::ostream* os) {
  *os << "{" << go_quote(o.section) << ", " << go_quote(o.name) << ", " << go_quote(o.value) << "}";
}

namespace {

// fleet's unit_test.go TestUnitHash: the same bytes, the same hash.
TEST(UnitFile, HashMatchesFleetsOwnTestVector) {
  UnitFile unit = parse_ok("[Service]\nExecStart=/bin/sleep 100\n");
  EXPECT_EQ(unit.hash().hex(), "1c6fb6f3684bafb0c173d8b8b957ceff031180c1");
  EXPECT_EQ(unit.hash().short_hex(), "1c6fb6f");
  EXPECT_FALSE(unit.hash().empty());
  EXPECT_TRUE(UnitHash{}.empty());
}

// Hashes computed with `printf '<canonical form>' | sha1sum`.
TEST(UnitFile, HashIsSha1OfTheCanonicalForm) {
  UnitFile unit = parse_ok(R"(# a comment before anything
[Unit]
Description = Hello
After=docker.service

[Service]
ExecStart=/usr/bin/docker run busybox /bin/sh -c "while true; do echo Hello; sleep 1; done"
; stop it
ExecStop=/usr/bin/docker stop hello

[X-Fleet]
Conflicts=hello*.service
MachineMetadata="region=us-east" "disk=ssd"
)");
  EXPECT_EQ(unit.serialize(),
            "[Unit]\nDescription=Hello\nAfter=docker.service\n\n"
            "[Service]\nExecStart=/usr/bin/docker run busybox /bin/sh -c \"while true; do echo "
            "Hello; sleep 1; done\"\nExecStop=/usr/bin/docker stop hello\n\n"
            "[X-Fleet]\nConflicts=hello*.service\nMachineMetadata=\"region=us-east\" "
            "\"disk=ssd\"\n");
  EXPECT_EQ(unit.hash().hex(), "99b4d34a6cb83980c4999cd78d2588d2e259f214");
}

TEST(UnitFile, EquivalentRawFilesHashTheSame) {
  UnitFile canonical = parse_ok("[Unit]\nA=1\nC=3\n\n[Service]\nB=2\n");
  EXPECT_EQ(canonical.hash().hex(), "1fc61d982cf96334c30d18a4224257e360f96d35");
  for (const char* raw : {
           "[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n",                 // sections interleaved
           "\n\n  [Unit]\n  A = 1  \n# x\nC=3\n\n\n[Service]\nB=2",      // blanks, comments, no EOL
           "junk before\n[Unit]\r\nA=1\r\nC=3\r\n[Service]\r\nB=2\r\n",  // CRLF
           "[Unit]\nA=\\\n1\nC=3\n[Service]\nB=2\n",  // continued: " 1", then trimmed
       }) {
    UnitFile u = parse_ok(raw);
    EXPECT_EQ(u.values("Unit", "A"), std::vector<std::string>{"1"}) << raw;
    EXPECT_EQ(u.hash(), canonical.hash()) << raw;
  }
}

TEST(UnitFile, DifferentCanonicalFormsHashDifferently) {
  UnitFile base = parse_ok("[Unit]\nA=1\nC=3\n[Service]\nB=2\n");
  UnitFile swapped = parse_ok("[Unit]\nC=3\nA=1\n[Service]\nB=2\n");  // order within a section
  EXPECT_EQ(swapped.hash().hex(), "495131ffbd88b9d702d38d78f729d3afb3fca0a3");
  EXPECT_NE(base.hash(), swapped.hash());
  UnitFile sections_swapped = parse_ok("[Service]\nB=2\n[Unit]\nA=1\nC=3\n");
  EXPECT_NE(base.hash(), sections_swapped.hash());
  UnitFile duplicated = parse_ok("[Unit]\nA=1\nA=1\nC=3\n[Service]\nB=2\n");
  EXPECT_NE(base.hash(), duplicated.hash());
}

// fleet's TestDeserialize.
TEST(UnitFile, ParsesSectionsCommentsAndDuplicates) {
  UnitFile unit = parse_ok(R"(
This=Ignored
[Unit]
;ignore this guy
Description = Foo

[Service]
ExecStart=echo "ping";
ExecStop=echo "pong"
# ignore me, too
ExecStop=echo post

[X-Fleet]
MachineMetadata=foo=bar
MachineMetadata=baz=qux
)");
  EXPECT_EQ(unit.options(), (Options{{"Unit", "Description", "Foo"},
                                     {"Service", "ExecStart", R"(echo "ping";)"},
                                     {"Service", "ExecStop", R"(echo "pong")"},
                                     {"Service", "ExecStop", "echo post"},
                                     {"X-Fleet", "MachineMetadata", "foo=bar"},
                                     {"X-Fleet", "MachineMetadata", "baz=qux"}}));
  EXPECT_EQ(unit.values("Service", "ExecStop"),
            (std::vector<std::string>{R"(echo "pong")", "echo post"}));
  EXPECT_EQ(unit.description(), "Foo");
  EXPECT_EQ(unit.option_names("X-Fleet"), std::vector<std::string>{"MachineMetadata"});
  EXPECT_TRUE(unit.has_section("Service"));
  EXPECT_FALSE(unit.has_section("Install"));
}

// fleet's TestDeserializedUnitGarbage: anything with '=' is an option.
TEST(UnitFile, KeepsOddOptionNames) {
  UnitFile unit = parse_ok("\n>>>>>>>>>>>>>\n[Service]\nExecStart=jim\n<<<<<<<<<<<=bar\n");
  EXPECT_EQ(unit.options(),
            (Options{{"Service", "ExecStart", "jim"}, {"Service", "<<<<<<<<<<<", "bar"}}));
}

// fleet's TestDeserializeEscapedMultilines.
TEST(UnitFile, JoinsContinuationLinesWithASpace) {
  UnitFile unit = parse_ok(R"(
[Service]
ExecStart=echo \
  "pi\
  ng"
ExecStop=\
echo "po\
ng"
# comments within continuation should not be ignored
ExecStopPre=echo\
#pang
ExecStopPost=echo\
#peng\
pung
)");
  EXPECT_EQ(unit.options(), (Options{{"Service", "ExecStart", R"(echo    "pi   ng")"},
                                     {"Service", "ExecStop", R"(echo "po ng")"},
                                     {"Service", "ExecStopPre", "echo #pang"},
                                     {"Service", "ExecStopPost", "echo #peng pung"}}));
}

TEST(UnitFile, BackslashInsideAValueIsKept) {
  UnitFile unit = parse_ok("[Service]\nExecStart=/bin/sh -c 'echo a\\tb'\nX=y \\  \nZ=1\n");
  EXPECT_EQ(unit.options(), (Options{{"Service", "ExecStart", "/bin/sh -c 'echo a\\tb'"},
                                     {"Service", "X", "y  Z=1"}}));
}

TEST(UnitFile, CommentsContinueOnATrailingBackslash) {
  UnitFile unit = parse_ok("[A]\n# one \\\nstill=comment\nB=1\n");
  EXPECT_EQ(unit.options(), (Options{{"A", "B", "1"}}));
}

TEST(UnitFile, EmptyValuesAndEmptySectionsAreKeptOrDropped) {
  UnitFile unit = parse_ok("[Unit]\n\n[Service]\nEnvironment=\n[Install]\n");
  EXPECT_EQ(unit.options(), (Options{{"Service", "Environment", ""}}));
  EXPECT_EQ(unit.serialize(), "[Service]\nEnvironment=\n");
  EXPECT_EQ(parse_ok("").serialize(), "");
  EXPECT_EQ(parse_ok("").hash().hex(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(UnitFile, SectionNamesAreTakenVerbatim) {
  UnitFile unit = parse_ok("[X Fleet]  \nA=1\n");
  EXPECT_EQ(unit.options(), (Options{{"X Fleet", "A", "1"}}));
}

// fleet's TestBadUnitsFail and the other lexer errors.
TEST(UnitFile, RejectsMalformedFiles) {
  struct Case {
    const char* raw;
    const char* error;
  };
  for (const Case& c : {
           Case{"\n[Unit]\n\n[Service]\n<<<<<<<<<<<<<<<<\n",
                "unexpected newline encountered while parsing option name"},
           Case{"\n[Unit]\nnonsense upon stilts\n",
                "unexpected newline encountered while parsing option name"},
           Case{"[Unit]\nnonsense", "unexpected end of file while parsing option name"},
           Case{"[Unit", "unable to find end of section"},
           Case{"[Unit] x\nA=1\n", R"(found garbage after section name Unit: "x")"},
       }) {
    auto unit = UnitFile::parse(c.raw);
    ASSERT_FALSE(unit) << c.raw;
    EXPECT_EQ(unit.error(), c.error) << c.raw;
  }
}

TEST(UnitFile, RefusesLinesOf2048BytesOrMore) {
  std::string ok = "[Service]\nExecStart=" + std::string(2047 - 10, 'x') + "\n";
  EXPECT_TRUE(UnitFile::parse(ok));
  std::string too_long = "[Service]\nExecStart=" + std::string(2048 - 10, 'x') + "\n";
  auto unit = UnitFile::parse(too_long);
  ASSERT_FALSE(unit);
  EXPECT_EQ(unit.error(), "line too long (max 2048 bytes)");
  EXPECT_FALSE(UnitFile::parse("# " + std::string(3000, 'c') + "\n[A]\nB=1\n"));
}

TEST(UnitFile, InvalidUtf8InANameBecomesTheReplacementRune) {
  UnitFile unit = parse_ok("[A]\nN\xff=v\xff\n");
  EXPECT_EQ(unit.options(), (Options{{"A", "N\xEF\xBF\xBD", "v\xff"}}));
}

TEST(UnitFile, CanonicalFormParsesBackToTheSameOptions) {
  for (const char* raw : {
           "[Unit]\nA=1\n[B]\nC=x y z\nC=\n[Unit]\nD=\"q\" \"r\"\n",
           "[Service]\nExecStart=echo \\\n more\n",
           "[X-Fleet]\nMachineOf=%p-db@%i.service\n",
       }) {
    UnitFile unit = parse_ok(raw);
    UnitFile again = parse_ok(unit.serialize());
    EXPECT_EQ(again.serialize(), unit.serialize()) << raw;
    EXPECT_EQ(again.hash(), unit.hash()) << raw;
  }
}

TEST(UnitFile, XFleetValuesSplitQuotedMultiValues) {
  UnitFile unit = parse_ok(
      "[X-Fleet]\nMachineMetadata=\"a=b\" \"c=d\"\nMachineMetadata=e=f\n"
      "[Service]\nEnvironment=\"A=1\" \"B=2\"\n");
  EXPECT_EQ(unit.values("X-Fleet", "MachineMetadata"),
            (std::vector<std::string>{"a=b", "c=d", "e=f"}));
  EXPECT_EQ(unit.values("Service", "Environment"), std::vector<std::string>{R"("A=1" "B=2")"});
}

// fleet's TestParseMultivalueLine, quirks included.
TEST(UnitFile, SplitMultivalueMatchesFleet) {
  using V = std::vector<std::string>;
  struct Case {
    const char* in;
    V out;
  };
  for (const Case& c : {
           Case{R"("bar" "ping" "pong")", V{"bar", "ping", "pong"}},
           Case{R"("bar")", V{"bar"}},
           Case{"", V{""}},
           Case{R"("")", V{""}},
           Case{R"("bar)", V{R"("bar)"}},
           Case{R"(bar")", V{R"(bar")"}},
           Case{R"(foo\"bar)", V{R"(foo\"bar)"}},
           Case{R"("bar" ")", V{"bar", ""}},
           Case{R"("foo\"bar")", V{R"(foo\bar)"}},
           Case{R"("a b" "c")", V{"a b", "c"}},
       }) {
    EXPECT_EQ(split_multivalue(c.in), c.out) << c.in;
  }
}

// Whatever parses, its canonical form parses back to the same options (so the hash of a
// stored unit is the hash of the text stored under it). Seeded, deterministic inputs.
TEST(UnitFile, CanonicalFormIsAFixedPointOnRandomInputs) {
  constexpr std::string_view kAlphabet = "[]=#;\\\n\r \tab\xC2\xA0";
  std::uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string raw = "[S]\n";
    for (std::size_t n = next() % 40; n > 0; --n)
      raw += kAlphabet[next() % kAlphabet.size()];
    auto unit = UnitFile::parse(raw);
    if (!unit) continue;
    ++parsed;
    auto again = UnitFile::parse(unit->serialize());
    ASSERT_TRUE(again) << go_quote(raw) << ": " << again.error();
    // The one exception, as in go-systemd: a continued value whose last segment ends in
    // '\' followed by a blank line (or EOF) keeps that backslash, which the canonical
    // form then reads as a continuation. check_unit refuses such units.
    bool trailing_backslash =
        std::any_of(unit->options().begin(), unit->options().end(),
                    [](const UnitOption& o) { return o.value.ends_with('\\'); });
    if (trailing_backslash) continue;
    EXPECT_EQ(again->options(), unit->options()) << go_quote(raw);
  }
  EXPECT_GT(parsed, 1000);
}

TEST(UnitHash, HexRoundTrip) {
  UnitHash h = sha1_of("[Service]\nExecStart=/bin/sleep 100\n");
  auto back = UnitHash::from_hex(h.hex());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
  auto upper = UnitHash::from_hex("1C6FB6F3684BAFB0C173D8B8B957CEFF031180C1");
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, h);
  EXPECT_FALSE(UnitHash::from_hex("1c6fb6f"));
  EXPECT_FALSE(UnitHash::from_hex(std::string(40, 'g')));
}

}  // namespace
}  // namespace corestack::fleet
