// Journal framing, torn tails and corruption detection.
#include "persist/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cachet {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() : path_("/tmp/cachet_journal_test_" + std::to_string(getpid()) + ".log") {
    unlink(path_.c_str());
  }
  ~JournalTest() override { unlink(path_.c_str()); }

  void WriteRecords(int n) {
    Journal j(FsyncPolicy::kAlways);
    std::string error;
    ASSERT_TRUE(j.Open(path_, &error)) << error;
    for (int i = 0; i < n; ++i) {
      std::string key = "k" + std::to_string(i);
      std::string_view args[] = {"SET", key, "value"};
      j.Append(i % 3, args);
      ASSERT_TRUE(j.WriteOut());
    }
  }
  std::string Contents() {
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  void Replace(const std::string& s) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << s;
  }
  // Reads to the end; returns the final status and the number of records.
  JournalReader::Status ReadAll(int* records, uint64_t* offset = nullptr) {
    JournalReader r;
    std::string error;
    EXPECT_TRUE(r.Open(path_, &error));
    int db;
    std::vector<std::string_view> args;
    *records = 0;
    JournalReader::Status s;
    while ((s = r.Next(&db, &args)) == JournalReader::Status::kRecord) {
      EXPECT_EQ(args[0], "SET");
      EXPECT_EQ(db, *records % 3);
      ++*records;
    }
    if (offset) *offset = r.record_offset();
    return s;
  }

  std::string path_;
};

TEST_F(JournalTest, RoundTrip) {
  WriteRecords(50);
  int n;
  EXPECT_EQ(ReadAll(&n), JournalReader::Status::kEnd);
  EXPECT_EQ(n, 50);
}

TEST_F(JournalTest, TornTailIsReportedAtTheLastCompleteRecord) {
  WriteRecords(10);
  std::string all = Contents();
  for (size_t cut = 1; cut < 20; ++cut) {
    Replace(all.substr(0, all.size() - cut));
    int n;
    uint64_t offset;
    EXPECT_EQ(ReadAll(&n, &offset), JournalReader::Status::kTornTail) << cut;
    EXPECT_EQ(n, 9);
    EXPECT_LT(offset, all.size());
  }
}

TEST_F(JournalTest, CorruptionInTheMiddleIsDetected) {
  WriteRecords(10);
  std::string all = Contents();
  all[all.size() / 2] ^= 0x5a;
  Replace(all);
  int n;
  EXPECT_EQ(ReadAll(&n), JournalReader::Status::kCorrupt);
  EXPECT_LT(n, 10);
}

TEST_F(JournalTest, Policies) {
  FsyncPolicy p;
  EXPECT_TRUE(ParseFsyncPolicy("everysec", &p));
  EXPECT_EQ(p, FsyncPolicy::kEverySec);
  EXPECT_FALSE(ParseFsyncPolicy("sometimes", &p));
}

}  // namespace
}  // namespace cachet
