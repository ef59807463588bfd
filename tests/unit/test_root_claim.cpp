// Who may serve a root (server/root_claim.hpp): exclusive servers refuse
// company, shared ones take one lock per node, and the start-up sweep removes
// only the temporaries of nodes whose lock is free.
#include <fcntl.h>
#include <sys/file.h>

#include <fstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/unique_fd.hpp"
#include "server/local_dir_store.hpp"
#include "server/root_claim.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

using testing::ScratchDir;
using testing::bytes_of;
using testing::run_awaitable;
using testing::xxh3_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

OpenedLocalStore open_store(const ScratchDir& dir, bool shared, const std::string& node) {
  return open_local_store({dir.path(), false, shared, node});
}

// The reason open_store refuses with; empty when it opens.
std::string refusal(const ScratchDir& dir, bool shared, const std::string& node) {
  try {
    open_store(dir, shared, node);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

void plant(const ScratchDir& dir, const std::string& name) { std::ofstream(dir.path() / name) << "partial"; }

TEST(RootClaim, ExclusiveRootRefusesEveryOtherServer) {
  ScratchDir dir;
  auto first = open_store(dir, false, "a");
  EXPECT_THAT(refusal(dir, false, "b"), HasSubstr("another imgsrv is already serving"));
  EXPECT_THAT(refusal(dir, true, "b"), HasSubstr("an imgsrv without --shared-root is already serving"));
  first.store.reset();  // the lock goes with the store
  EXPECT_EQ(refusal(dir, false, "b"), "");
}

TEST(RootClaim, SharedRootTakesManyNodesButEachIdOnceAndNoExclusiveServer) {
  ScratchDir dir;
  auto a = open_store(dir, true, "a");
  auto b = open_store(dir, true, "b");
  EXPECT_THAT(refusal(dir, true, "a"), HasSubstr("node id a is already serving"));
  EXPECT_THAT(refusal(dir, false, "c"), HasSubstr("another imgsrv is already serving"));
}

TEST(RootClaim, InvalidNodeIdsAreRefusedAndCreateNothing) {
  ScratchDir dir;
  for (const std::string& bad : std::vector<std::string>{"", "a.b", "a/b", std::string(65, 'x'), "é"}) {
    EXPECT_THAT(refusal(dir, true, bad), HasSubstr("invalid node id")) << bad;
  }
  EXPECT_TRUE(dir.entries().empty());
  EXPECT_TRUE(valid_node_id(default_node_id(7070)));
}

TEST(RootClaim, SweepSparesLiveNodesTemporariesAndRemovesDeadOnes) {
  ScratchDir dir;
  // Node a is alive and has an upload in progress.
  auto a = open_store(dir, true, "a");
  auto bytes = bytes_of("uploading");
  auto sink = run_awaitable(a.store->begin_upload("live.png", bytes.size()));
  run_awaitable(sink->write(bytes));
  // Node l lives elsewhere (another mount): its lock is held, not through a store.
  UniqueFd l_lock(::open((dir.path() / ".imgsrv-node.l.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(l_lock);
  ASSERT_EQ(::flock(l_lock.get(), LOCK_EX | LOCK_NB), 0);
  plant(dir, ".imgsrv-tmp.l.00ff");
  // Node d crashed: its lock file is free. Node g left no lock file at all.
  UniqueFd(::open((dir.path() / ".imgsrv-node.d.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  plant(dir, ".imgsrv-tmp.d.0001");
  plant(dir, ".imgsrv-tmp.d.0002");
  plant(dir, ".imgsrv-tmp.g.0003");
  plant(dir, ".imgsrv-tmp.0123456789abcdef");  // an older imgsrv's: no node in the name

  auto c = open_store(dir, true, "c");
  EXPECT_EQ(c.stale_removed, 4);
  auto temps = dir.entries();
  ASSERT_EQ(temps.size(), 2u);
  EXPECT_THAT(temps[0], HasSubstr(".imgsrv-tmp.a."));
  EXPECT_EQ(temps[1], ".imgsrv-tmp.l.00ff");
  // The live upload publishes intact after the sweep.
  EXPECT_EQ(run_awaitable(sink->publish(xxh3_of(bytes), 0)).size, bytes.size());
  EXPECT_THAT(dir.entries(), ElementsAre(".imgsrv-tmp.l.00ff", "live.png"));
  // Node d may start again: the sweep let go of its lock.
  EXPECT_EQ(refusal(dir, true, "d"), "");
}

TEST(RootClaim, RestartedNodeRemovesItsOwnLeftoversAndExclusiveRemovesAll) {
  ScratchDir dir;
  plant(dir, ".imgsrv-tmp.a.0001");
  plant(dir, ".imgsrv-tmp.b.0002");
  {
    auto a = open_store(dir, true, "a");
    EXPECT_EQ(a.stale_removed, 2);  // b has no live lock either
  }
  plant(dir, ".imgsrv-tmp.a.0003");
  plant(dir, ".imgsrv-tmp.z.0004");
  auto solo = open_store(dir, false, "x");
  EXPECT_EQ(solo.stale_removed, 2);
  EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace imgsh::server
