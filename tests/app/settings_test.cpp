// The settings: one table reads them from the environment and writes the docs' table.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/settings.h"
#include "base/error.h"

namespace beetroot {
namespace {

TEST(Settings, ReadsSettingsFromTheEnvironmentAndNamesABadOne) {
  setenv("HNSW_EF_SEARCH", "512", 1);
  setenv("FACE_MATCH_THRESHOLD", "90", 1);
  setenv("SNAPSHOT_MINUTES", "5", 1);
  const auto config = Settings::from_environment();
  EXPECT_EQ(config.hnsw_ef_search, 512u);
  EXPECT_FLOAT_EQ(config.match_threshold, 90.f);
  EXPECT_DOUBLE_EQ(config.snapshot_minutes, 5);
  setenv("HNSW_EF_SEARCH", "many", 1);
  try {
    Settings::from_environment();
    ADD_FAILURE() << "HNSW_EF_SEARCH=many was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("HNSW_EF_SEARCH='many'"), std::string::npos) << e.what();
  }
  unsetenv("HNSW_EF_SEARCH");
  unsetenv("FACE_MATCH_THRESHOLD");
  unsetenv("SNAPSHOT_MINUTES");
  EXPECT_EQ(Settings::from_environment().hnsw_ef_search, VectorIndexOptions{}.hnsw_ef_search);
  EXPECT_DOUBLE_EQ(Settings::from_environment().snapshot_minutes, 30);
}

TEST(Settings, TheDocsTableIsTheOneTheSettingsTableWrites) {
  std::ifstream in(std::string(BEETROOT_SOURCE_DIR) + "/docs/commands.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(settings_markdown()), std::string::npos)
      << "docs/commands.md's Configuration table is not `beetroot settings --markdown`; paste that output there";
}

TEST(Settings, EveryReadSettingShowsTheValueItWasGiven) {
  const Settings defaults = Settings::in_folder("/data");
  for (const auto& entry : settings_table()) {
    if (!entry.apply) continue;
    Settings changed = defaults;
    const std::string value = entry.show(defaults);
    entry.apply(changed, value.empty() ? "x" : value);
    if (entry.secret) {  // that it is set, never what it is
      EXPECT_NE(entry.show(changed), entry.show(defaults)) << entry.name;
      EXPECT_EQ(entry.show(changed).find('x'), std::string::npos) << entry.name;
      continue;
    }
    EXPECT_EQ(entry.show(changed), value.empty() ? "x" : value) << entry.name;
  }
}

}  // namespace
}  // namespace beetroot
