// The Storage contract (server/storage.hpp), as TYPED tests: every backend
// runs the same suite through a small fixture type that makes one store and
// can plant entries behind its back. Today there is one backend, the local
// directory; a shared or object-store backend adds its fixture to Backends.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <latch>
#include <optional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/local_dir_store.hpp"
#include "image_test_support.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using testing::ScratchDir;
using testing::bytes_of;
using testing::run_awaitable;
using testing::xxh3_of;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The local directory store, fsync off (the contract does not depend on it).
class LocalDirBackend {
 public:
  static constexpr const char* kName = "LocalDir";
  LocalDirBackend() : LocalDirBackend(false) {}
  explicit LocalDirBackend(bool shared) : store_(open_local_store({dir_.path(), false, shared, "n1"}).store) {}
  Storage& store() { return *store_; }
  // Every entry the backend holds, whatever it is (leftovers show here).
  std::vector<std::string> raw_entries() const { return dir_.entries(); }
  void plant_file(const std::string& name, const std::string& content) {
    std::ofstream(dir_.path() / name, std::ios::binary) << content;
  }
  void plant_directory(const std::string& name) { std::filesystem::create_directory(dir_.path() / name); }
  void plant_symlink(const std::string& name, const std::filesystem::path& target) {
    std::filesystem::create_symlink(target, dir_.path() / name);
  }
  std::filesystem::path outside_file() {
    std::ofstream(outside_.path() / "secret.png", std::ios::binary) << "outside";
    return outside_.path() / "secret.png";
  }

 private:
  ScratchDir dir_;
  ScratchDir outside_;
  std::unique_ptr<Storage> store_;
};

// The same store serving a root shared with other nodes (root_claim.hpp):
// its contract is the same.
class SharedLocalDirBackend : public LocalDirBackend {
 public:
  static constexpr const char* kName = "SharedLocalDir";
  SharedLocalDirBackend() : LocalDirBackend(true) {}
};

// `content` behind a valid header of the kind the name promises (PNG: signature and
// IHDR; JPEG: SOI and a segment), as only images are listed and served. The store does
// not decode: full validation is the put exchange's.
std::vector<std::uint8_t> image_of(const std::string& name, const std::string& content) {
  std::vector<std::uint8_t> bytes;
  if (name.ends_with(".png")) {
    bytes = proto::test_support::kPngSignature;
    auto ihdr = proto::test_support::png_ihdr(8, 8, 8, 2);
    bytes.insert(bytes.end(), ihdr.begin(), ihdr.end());
  } else {
    bytes = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10};
  }
  auto tail = bytes_of(content);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  return bytes;
}

template <class Backend>
class StoreContract : public ::testing::Test {
 protected:
  Storage& store() { return backend_.store(); }

  proto::FileInfo put(const std::string& name, const std::string& content) {
    auto bytes = image_of(name, content);
    return run_awaitable([&]() -> asio::awaitable<proto::FileInfo> {
      auto sink = co_await store().begin_upload(name, bytes.size());
      co_await sink->write(bytes);
      co_return co_await sink->publish(xxh3_of(bytes), 0);
    }());
  }
  // What list() hands over, in the order it does, and whether it says more matched.
  struct Listing {
    std::vector<proto::FileInfo> files;
    bool truncated = false;
  };
  Listing listing(const std::string& prefix, std::uint64_t limit) {
    Listing out;
    out.truncated =
        run_awaitable(store().list(prefix, limit, [&](const proto::FileInfo& f) { out.files.push_back(f); }));
    return out;
  }
  std::vector<std::string> names(const std::string& prefix = "", std::uint64_t limit = 0) {
    std::vector<std::string> out;
    for (const auto& f : listing(prefix, limit).files) out.push_back(f.name);
    return out;
  }
  // The error code `work` is refused with; nothing when it succeeds.
  template <class T>
  std::optional<Errc> refusal(asio::awaitable<T> work) {
    try {
      run_awaitable(std::move(work));
    } catch (const StoreError& e) {
      return e.code();
    }
    return std::nullopt;
  }

  Backend backend_;
};

using Backends = ::testing::Types<LocalDirBackend, SharedLocalDirBackend>;
struct BackendName {
  template <class Backend>
  static std::string GetName(int) {
    return Backend::kName;
  }
};
TYPED_TEST_SUITE(StoreContract, Backends, BackendName);

TYPED_TEST(StoreContract, PublishedFileIsListedStattedAndOpenedWithItsChecksum) {
  proto::FileInfo stored = this->put("cat.png", "png bytes");
  auto bytes = image_of("cat.png", "png bytes");
  EXPECT_EQ(stored.name, "cat.png");
  EXPECT_EQ(stored.size, bytes.size());
  EXPECT_EQ(stored.xxh3, xxh3_of(bytes));
  proto::FileInfo info = run_awaitable(this->store().stat("cat.png"));
  EXPECT_EQ(info.size, bytes.size());
  EXPECT_EQ(info.xxh3, stored.xxh3);
  auto file = run_awaitable(this->store().open("cat.png"));
  EXPECT_EQ(file->info().xxh3, stored.xxh3);
  EXPECT_THAT(this->names(), ElementsAre("cat.png"));
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre("cat.png"));
}

TYPED_TEST(StoreContract, ExistingNameIsRefusedByCheckUploadBeginUploadAndPublish) {
  // A sink begun while the name was free loses to one published meanwhile.
  auto bytes = bytes_of("second");
  auto late = run_awaitable(this->store().begin_upload("dog.jpg", bytes.size()));
  this->put("dog.jpg", "first");
  EXPECT_EQ(this->refusal(this->store().check_upload("dog.jpg", 10)), Errc::exists);
  EXPECT_EQ(this->refusal(this->store().begin_upload("dog.jpg", 10)), Errc::exists);
  run_awaitable(late->write(bytes));
  EXPECT_EQ(this->refusal(late->publish(xxh3_of(bytes), 0)), Errc::exists);
  late.reset();
  EXPECT_EQ(run_awaitable(this->store().stat("dog.jpg")).size, image_of("dog.jpg", "first").size());  // the first one stays
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre("dog.jpg"));
}

TYPED_TEST(StoreContract, TwoRacingUploadsOfOneNameGiveExactlyOneWinner) {
  constexpr int kRacers = 8;
  std::latch all_begun(kRacers);
  std::atomic<int> winners{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      auto bytes = bytes_of("racer " + std::to_string(i));
      try {
        auto sink = run_awaitable(this->store().begin_upload("race.png", bytes.size()));
        run_awaitable(sink->write(bytes));
        all_begun.arrive_and_wait();  // every racer holds a sink before anyone publishes
        run_awaitable(sink->publish(xxh3_of(bytes), 0));
        ++winners;
      } catch (const StoreError& e) {
        if (e.code() == Errc::exists) ++exists;
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(exists.load(), kRacers - 1);
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre("race.png"));  // the losers left nothing
}

TYPED_TEST(StoreContract, DestroyingAnUnpublishedSinkLeavesNothing) {
  auto bytes = bytes_of("half a file");
  {
    auto sink = run_awaitable(this->store().begin_upload("half.png", 100));
    run_awaitable(sink->write(bytes));
    EXPECT_THAT(this->names(), IsEmpty());  // never visible before publish
  }
  EXPECT_THAT(this->backend_.raw_entries(), IsEmpty());
  EXPECT_EQ(this->refusal(this->store().stat("half.png")), Errc::not_found);
  this->put("half.png", "whole");  // the name is free again
  EXPECT_THAT(this->names(), ElementsAre("half.png"));
}

TYPED_TEST(StoreContract, InvalidNamesAreRefusedEverywhereAndCreateNothing) {
  const std::pair<std::string, Errc> cases[] = {
      {"../escape.png", Errc::invalid_name}, {"a/b.png", Errc::invalid_name},   {".hidden.png", Errc::invalid_name},
      {"", Errc::invalid_name},              {"notes.txt", Errc::unsupported_type}, {"cat.png.sh", Errc::unsupported_type},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(this->refusal(this->store().stat(name)), code);
    EXPECT_EQ(this->refusal(this->store().open(name)), code);
    EXPECT_EQ(this->refusal(this->store().check_upload(name, 10)), code);
    EXPECT_EQ(this->refusal(this->store().begin_upload(name, 10)), code);
  }
  EXPECT_THAT(this->backend_.raw_entries(), IsEmpty());
}

TYPED_TEST(StoreContract, RemoveTakesAStoredFileAwayAndFreesItsName) {
  this->put("gone.png", "old bytes");
  run_awaitable(this->store().remove("gone.png"));
  EXPECT_THAT(this->names(), IsEmpty());
  EXPECT_THAT(this->backend_.raw_entries(), IsEmpty());
  EXPECT_EQ(this->refusal(this->store().stat("gone.png")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().remove("gone.png")), Errc::not_found);
  EXPECT_EQ(this->put("gone.png", "new").xxh3, xxh3_of(image_of("gone.png", "new")));  // no stale checksum
}

TYPED_TEST(StoreContract, AnOpenedFileStillSendsItsBytesAfterRemove) {
  this->put("open.png", "kept while open");
  auto file = run_awaitable(this->store().open("open.png"));
  run_awaitable(this->store().remove("open.png"));
  EXPECT_EQ(file->info().size, image_of("open.png", "kept while open").size());
  EXPECT_EQ(file->info().xxh3, xxh3_of(image_of("open.png", "kept while open")));
}

TYPED_TEST(StoreContract, RenameMovesTheFileWithItsChecksumAndNeverReplaces) {
  proto::FileInfo stored = this->put("old.png", "renamed bytes");
  proto::FileInfo moved = run_awaitable(this->store().rename("old.png", "new.png"));
  EXPECT_EQ(moved.name, "new.png");
  EXPECT_EQ(moved.size, stored.size);
  EXPECT_EQ(moved.xxh3, stored.xxh3);
  EXPECT_EQ(run_awaitable(this->store().stat("new.png")).xxh3, stored.xxh3);
  EXPECT_EQ(this->refusal(this->store().stat("old.png")), Errc::not_found);
  this->put("other.png", "other");
  EXPECT_EQ(this->refusal(this->store().rename("new.png", "other.png")), Errc::exists);
  EXPECT_EQ(this->refusal(this->store().rename("missing.png", "free.png")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().rename("new.png", "new.jpg")), Errc::not_an_image);
  EXPECT_EQ(run_awaitable(this->store().stat("other.png")).xxh3, xxh3_of(image_of("other.png", "other")));
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre("new.png", "other.png"));
}

TYPED_TEST(StoreContract, RacingRenamesToOneNameGiveExactlyOneWinner) {
  constexpr int kRacers = 8;
  for (int i = 0; i < kRacers; ++i) this->put("src" + std::to_string(i) + ".png", "racer " + std::to_string(i));
  std::latch ready(kRacers);
  std::atomic<int> winners{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      ready.arrive_and_wait();
      try {
        run_awaitable(this->store().rename("src" + std::to_string(i) + ".png", "target.png"));
        ++winners;
      } catch (const StoreError& e) {
        if (e.code() == Errc::exists) ++exists;
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(exists.load(), kRacers - 1);
  EXPECT_EQ(this->names().size(), static_cast<std::size_t>(kRacers));  // the target and the losers' sources
}

TYPED_TEST(StoreContract, RemoveAndRenameNameOnlyStoredImages) {
  this->backend_.plant_directory("dir.png");
  this->backend_.plant_symlink("link.png", this->backend_.outside_file());
  this->backend_.plant_file(".imgsrv-tmp.n1.hand", "temporary");
  this->put("a.png", "a");
  const std::pair<std::string, Errc> cases[] = {
      {"dir.png", Errc::not_found},       {"link.png", Errc::not_found},
      {".imgsrv-tmp.n1.hand", Errc::invalid_name}, {"../a.png", Errc::invalid_name},
      {"notes.txt", Errc::unsupported_type},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(this->refusal(this->store().remove(name)), code);
    EXPECT_EQ(this->refusal(this->store().rename(name, "free.png")), code);
    EXPECT_EQ(this->refusal(this->store().rename("a.png", name)), code == Errc::not_found ? Errc::exists : code);
  }
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre(".imgsrv-tmp.n1.hand", "a.png", "dir.png", "link.png"));
}

TYPED_TEST(StoreContract, MissingNamesAreNotFound) {
  EXPECT_EQ(this->refusal(this->store().stat("missing.png")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().open("missing.jpg")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().check_upload("missing.jpg", 1)), std::nullopt);
}

TYPED_TEST(StoreContract, ListingIsBytewiseWithPrefixLimitAndTruncatedFlag) {
  for (const char* name : {"b.png", "a.jpg", "B.png", "ab.png", "c.jpeg"}) this->put(name, "x");
  EXPECT_THAT(this->names(), ElementsAre("B.png", "a.jpg", "ab.png", "b.png", "c.jpeg"));
  EXPECT_THAT(this->names("a"), ElementsAre("a.jpg", "ab.png"));
  EXPECT_THAT(this->names("zz"), IsEmpty());
  auto two = this->listing("", 2);
  ASSERT_EQ(two.files.size(), 2u);
  EXPECT_EQ(two.files[1].name, "a.jpg");
  EXPECT_TRUE(two.truncated);
  EXPECT_FALSE(this->listing("", 5).truncated);
  EXPECT_FALSE(this->listing("", 0).truncated);
  auto prefixed = this->listing("a", 1);
  EXPECT_EQ(prefixed.files.size(), 1u);
  EXPECT_TRUE(prefixed.truncated);
}

// A root far larger than one pass of the store picks (about 2,890 such
// names in the local store) is listed whole, in order, each name once, and a limit across
// a pass boundary stops exactly there.
TYPED_TEST(StoreContract, ListingsLargerThanOneBatchAreCompleteOrderedAndExact) {
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    char number[8];
    std::snprintf(number, sizeof number, "n%05d", (i * 7919) % 5000);  // planted out of order
    std::string name = number + std::string(234, 'x') + ".png";         // 244 bytes
    auto image = image_of(name, "x");                                    // only images are listed
    this->backend_.plant_file(name, std::string(image.begin(), image.end()));
    expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(this->names(), expected);
  for (std::uint64_t limit : {1u, 2889u, 2890u, 2891u, 2892u, 4999u}) {
    auto part = this->listing("", limit);
    ASSERT_EQ(part.files.size(), limit);
    EXPECT_EQ(part.files.back().name, expected[limit - 1]) << limit;
    EXPECT_TRUE(part.truncated) << limit;
  }
  EXPECT_FALSE(this->listing("", 5000).truncated);
  EXPECT_EQ(this->names("n04").size(), 1000u);
}

// Entries that are not listed do not count toward the limit, nor make a
// listing truncated.
TYPED_TEST(StoreContract, UnlistedEntriesNeitherFillTheLimitNorTruncate) {
  this->put("a.png", "x");
  this->backend_.plant_directory("b.png");
  this->put("c.png", "x");
  this->backend_.plant_directory("d.png");
  auto two = this->listing("", 2);
  EXPECT_THAT(this->names("", 2), ElementsAre("a.png", "c.png"));
  EXPECT_FALSE(two.truncated);
  auto one = this->listing("", 1);
  EXPECT_THAT(this->names("", 1), ElementsAre("a.png"));
  EXPECT_TRUE(one.truncated);
}

TYPED_TEST(StoreContract, TemporariesDotfilesAndOtherEntriesAreNeverListed) {
  this->put("shown.png", "x");
  this->backend_.plant_file(std::string(kTempPrefix) + "0123456789abcdef", "partial");
  this->backend_.plant_file(".hidden.png", "x");
  this->backend_.plant_file("notes.txt", "x");
  this->backend_.plant_directory("folder.png");
  EXPECT_THAT(this->names(), ElementsAre("shown.png"));
  EXPECT_EQ(this->refusal(this->store().open("folder.png")), Errc::not_found);
}

TYPED_TEST(StoreContract, SymlinksAreNeverFollowedListedServedOrReplaced) {
  this->put("real.png", "real");
  std::filesystem::path outside = this->backend_.outside_file();
  this->backend_.plant_symlink("link.png", "real.png");
  this->backend_.plant_symlink("escape.png", outside);
  EXPECT_THAT(this->names(), ElementsAre("real.png"));
  EXPECT_EQ(this->refusal(this->store().stat("link.png")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().open("escape.png")), Errc::not_found);
  EXPECT_EQ(this->refusal(this->store().check_upload("escape.png", 3)), Errc::exists);
  EXPECT_EQ(this->refusal(this->store().begin_upload("escape.png", 3)), Errc::exists);
  std::ifstream in(outside);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "outside");  // the target was never written
  EXPECT_THAT(this->backend_.raw_entries(), ElementsAre("escape.png", "link.png", "real.png"));
}

}  // namespace
}  // namespace imgsh::server
