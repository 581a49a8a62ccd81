#include "util/text.h"

#include <gtest/gtest.h>

namespace phodex::util {
namespace {

TEST(Text, ValidUtf8IsUnchanged) {
  EXPECT_TRUE(IsValidUtf8("Ferien/Übersicht 東京.jpg"));
  EXPECT_EQ(EscapeBytes("Ferien/Übersicht 東京.jpg"),
            "Ferien/Übersicht 東京.jpg");
}

TEST(Text, InvalidBytesAreEscapedAndBackslashesDoubled) {
  const std::string latin1 = "caf\xE9.jpg";  // ISO-8859-1 'é'
  EXPECT_FALSE(IsValidUtf8(latin1));
  EXPECT_EQ(EscapeBytes(latin1), "caf\\xE9.jpg");
  EXPECT_EQ(EscapeBytes("a\\b\xFF"), "a\\\\b\\xFF");
  EXPECT_TRUE(IsValidUtf8(EscapeBytes(latin1)));
}

// Terminal injection: "\e]0;PWNED\a\e[2J" in a name or an EXIF text
// would retitle and clear the terminal of whoever lists it.
TEST(Text, ControlCharactersAreEscapedForTerminals) {
  EXPECT_EQ(EscapeForTerminal("\x1B]0;PWNED\a\x1B[2J"),
            "\\x1B]0;PWNED\\x07\\x1B[2J");
  EXPECT_EQ(EscapeForTerminal("a\tb\nc\x7F"), "a\\x09b\\x0Ac\\x7F");
  // C1 controls (U+009B is CSI) are escaped byte by byte; U+00A0 is text.
  EXPECT_EQ(EscapeForTerminal("\xC2\x9B"
                              "2J \xC2\xA0"),
            "\\xC2\\x9B2J \xC2\xA0");
  // Otherwise as EscapeBytes: UTF-8 kept, bad bytes and backslashes escaped.
  EXPECT_EQ(EscapeForTerminal("Übersicht \\ caf\xE9"),
            "Übersicht \\\\ caf\\xE9");
  EXPECT_EQ(EscapeForTerminal("東京.jpg"), "東京.jpg");
}

TEST(Text, EscapeControlsKeepsNewlinesAndBackslashes) {
  EXPECT_EQ(EscapeControls("open 'a\\x1B\x1B[2J': no\nsecond line\xFF"),
            "open 'a\\x1B\\x1B[2J': no\nsecond line\\xFF");
  EXPECT_EQ(EscapeControls("a\nb\\", Newline::kEscape), "a\\x0Ab\\");
}

TEST(Text, RejectsOverlongAndSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE6\x9D"));          // truncated
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x93\xB7"));   // camera emoji
}

TEST(Text, LowerExtension) {
  EXPECT_EQ(LowerExtension("IMG_1.CR2"), "cr2");
  EXPECT_EQ(LowerExtension("archive.tar.GZ"), "gz");
  EXPECT_EQ(LowerExtension(".hidden"), "");
  EXPECT_EQ(LowerExtension("noext"), "");
  EXPECT_EQ(LowerExtension("trailing."), "");
}

TEST(Text, GlobMatch) {
  EXPECT_TRUE(GlobMatch("*.psd", "layers.psd"));
  EXPECT_FALSE(GlobMatch("*.psd", "layers.psd.jpg"));
  EXPECT_TRUE(GlobMatch("2019/tmp/*", "2019/tmp/a.jpg"));
  EXPECT_FALSE(GlobMatch("2019/*", "2019/tmp/a.jpg"));  // * stops at '/'
}

TEST(Text, Formatting) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EXPECT_EQ(GroupThousands(100), "100");
  EXPECT_EQ(GroupThousands(20), "20");
  EXPECT_EQ(GroupThousands(12345), "12,345");
  EXPECT_EQ(GroupThousands(1000), "1,000");
  EXPECT_EQ(HumanBytes(17), "17 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace phodex::util
