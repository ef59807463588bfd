// What a cached checksum is valid for (server/checksum_cache.hpp,
// checksum_memory.hpp): a rewrite with size and mtime restored is noticed
// (ctime), a hard-linked file gets no xattr, the memory cache is bounded.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "protocol/unique_fd.hpp"
#include "server/checksum_cache.hpp"
#include "server/checksum_memory.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

using testing::ScratchDir;

constexpr const char* kSum = "0123456789abcdef0123456789abcdef";

struct stat stat_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st;
}

UniqueFd file_with(const std::filesystem::path& path, const char* text) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  EXPECT_TRUE(fd);
  EXPECT_EQ(::pwrite(fd.get(), text, std::strlen(text), 0), static_cast<ssize_t>(std::strlen(text)));
  return fd;
}

TEST(ChecksumKey, ARewriteWithSizeAndMtimeRestoredChangesTheKey) {
  ScratchDir dir;
  UniqueFd fd = file_with(dir.path() / "a.png", "first");
  struct stat before = stat_of(fd.get());
  ASSERT_EQ(::pwrite(fd.get(), "other", 5, 0), 5);
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::futimens(fd.get(), times), 0);
  struct stat after = stat_of(fd.get());
  ASSERT_EQ(after.st_size, before.st_size);
  ASSERT_EQ(file_key(after).mtime_ns, file_key(before).mtime_ns);
  EXPECT_NE(file_key(after), file_key(before)) << "ctime tells the rewrite apart";
}

TEST(ChecksumKey, AnXattrRecordedBeforeARewriteIsNotTrustedAfterIt) {
  ScratchDir dir;
  UniqueFd fd = file_with(dir.path() / "a.png", "first");
  Recorded recorded = record_checksum(fd.get(), kSum);
  struct stat st = stat_of(fd.get());
  if (recorded.in_xattr) {
    EXPECT_EQ(xattr_checksum(fd.get(), st), kSum);
  }
  EXPECT_EQ(recorded.key, file_key(st)) << "the key returned is the file as it is after the record";
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::pwrite(fd.get(), "other", 5, 0), 5);
  ASSERT_EQ(::futimens(fd.get(), times), 0);
  EXPECT_EQ(xattr_checksum(fd.get(), stat_of(fd.get())), std::nullopt);
}

TEST(ChecksumKey, AHardLinkedFileGetsNoXattr) {
  ScratchDir dir;
  UniqueFd fd = file_with(dir.path() / "a.png", "linked");
  ASSERT_EQ(::link((dir.path() / "a.png").c_str(), (dir.path() / "elsewhere").c_str()), 0);
  Recorded recorded = record_checksum(fd.get(), kSum);
  EXPECT_FALSE(recorded.in_xattr);
  char value[160];
  EXPECT_LT(::fgetxattr(fd.get(), kChecksumXattr, value, sizeof value), 0);
  EXPECT_EQ(errno, ENODATA);
  EXPECT_EQ(recorded.key, file_key(stat_of(fd.get()))) << "nothing was written: the key is unchanged";
}

TEST(ChecksumMemory, KeepsTheMostRecentlyUsedWithinItsBound) {
  ChecksumMemory memory(2);
  FileKey a{1, 1, 10, 1, 1}, b{1, 2, 10, 1, 1}, c{1, 3, 10, 1, 1};
  memory.put(a, "a");
  memory.put(b, "b");
  EXPECT_EQ(memory.find(a), "a");  // a is now the most recent
  memory.put(c, "c");
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_EQ(memory.find(b), std::nullopt);
  EXPECT_EQ(memory.find(a), "a");
  EXPECT_EQ(memory.find(c), "c");
  FileKey a_changed = a;
  a_changed.ctime_ns = 2;
  EXPECT_EQ(memory.find(a_changed), std::nullopt);
}

}  // namespace
}  // namespace imgsh::server
