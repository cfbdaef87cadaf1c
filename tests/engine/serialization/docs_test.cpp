// docs/engine-errors.md lists every engine code (and nothing that is not one).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "engine/status.h"

namespace ei {
namespace {

TEST(EngineErrorDocs, EveryCodeIsDocumented) {
  std::ifstream in(EI_SOURCE_DIR "/docs/engine-errors.md");
  ASSERT_TRUE(in) << "docs/engine-errors.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  std::set<std::string> documented;
  const std::regex row(R"(\n\| `([A-Z_]+)` \|)");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator(); ++it)
    documented.insert((*it)[1]);
  std::set<std::string> codes;
  for (int i = 0; i <= static_cast<int>(Code::INTERNAL); ++i) codes.insert(std::string(code_name(static_cast<Code>(i))));
  EXPECT_EQ(documented, codes);
}

}  // namespace
}  // namespace ei
