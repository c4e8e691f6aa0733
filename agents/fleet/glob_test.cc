#include "agents/fleet/glob.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

// Cases from Go's path/match_test.go that fleet's globs can meet.
TEST(Glob, MatchesLikeGoPathMatch) {
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
    bool bad;
  };
  for (const Case& c : {
           Case{"abc", "abc", true, false},
           Case{"*", "abc", true, false},
           Case{"*c", "abc", true, false},
           Case{"a*", "a", true, false},
           Case{"a*", "abc", true, false},
           Case{"a*", "ab/c", false, false},
           Case{"a*/b", "abc/b", true, false},
           Case{"a*/b", "a/c/b", false, false},
           Case{"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
           Case{"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
           Case{"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
           Case{"a*b?c*x", "abxbbxdbxebxczzx", true, false},
           Case{"a*b?c*x", "abxbbxdbxebxczzy", false, false},
           Case{"ab[c]", "abc", true, false},
           Case{"ab[b-d]", "abc", true, false},
           Case{"ab[e-g]", "abc", false, false},
           Case{"ab[^c]", "abc", false, false},
           Case{"ab[^b-d]", "abc", false, false},
           Case{"ab[^e-g]", "abc", true, false},
           Case{"a\\*b", "a*b", true, false},
           Case{"a\\*b", "ab", false, false},
           Case{"a?b",
                "a\xe2\x98\xba"
                "b",
                true, false},
           Case{"a[^a]b",
                "a\xe2\x98\xba"
                "b",
                true, false},
           Case{"a???b",
                "a\xe2\x98\xba"
                "b",
                false, false},
           Case{"*x", "xxx", true, false},
           Case{"[\\]a]", "]", true, false},
           Case{"[\\-]", "-", true, false},
           Case{"[x\\-]", "z", false, false},
           Case{"[", "a", false, true},
           Case{"[^", "a", false, true},
           Case{"[^bc", "a", false, true},
           Case{"a[", "ab", false, true},
           Case{"*x", "xxx", true, false},
           Case{"hello*.service", "hello.service", true, false},
           Case{"hello*.service", "hello@1.service", true, false},
           Case{"hello*.service", "goodbye.service", false, false},
           Case{"apache@*.service", "apache@8080.service", true, false},
       }) {
    auto r = path_match(c.pattern, c.name);
    if (c.bad) {
      EXPECT_FALSE(r) << c.pattern << " " << c.name;
      if (!r) {
        EXPECT_EQ(r.error(), "syntax error in pattern");
      }
      EXPECT_FALSE(glob_matches(c.pattern, c.name));
      continue;
    }
    ASSERT_TRUE(r) << c.pattern << " " << c.name << ": " << r.error();
    EXPECT_EQ(*r, c.match) << c.pattern << " " << c.name;
    EXPECT_EQ(glob_matches(c.pattern, c.name), c.match);
  }
}

}  // namespace
}  // namespace corestack::fleet
