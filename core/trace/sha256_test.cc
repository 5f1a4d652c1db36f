#include "core/trace/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace ttm::trace {
namespace {

std::string Digest(std::string_view s) {
  Sha256 h;
  h.Update(s);
  return h.HexDigest();
}

TEST(Sha256, EmptyInputHasTheStandardDigest) {
  EXPECT_EQ(Digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, AbcHasTheStandardDigest) {
  EXPECT_EQ(Digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessageHasTheStandardDigest) {
  EXPECT_EQ(Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, AMillionAsHaveTheStandardDigest) {
  const std::string chunk(1000, 'a');
  Sha256 h;
  for (int i = 0; i < 1000; ++i) h.Update(chunk);
  EXPECT_EQ(h.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, EmptyPiecesChangeNothing) {
  Sha256 h;
  h.Update("");
  h.Update("abc");
  h.Update(nullptr, 0);
  EXPECT_EQ(h.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FeedingInPiecesGivesTheSameDigestAsAllAtOnce) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += std::to_string(i * 7919) + "\n";
  Sha256 h;
  for (size_t i = 0; i < text.size(); i += 37) h.Update(std::string_view(text).substr(i, 37));
  EXPECT_EQ(h.HexDigest(), Digest(text));
}

}  // namespace
}  // namespace ttm::trace
