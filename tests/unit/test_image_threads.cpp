// Validation from several threads at once, as the worker pool will run it: each call has
// its own decoder contexts and nothing is shared. Under TSan (make tsan) this also checks
// that libspng, libjpeg-turbo and libexif keep no hidden global state on our paths.
#include <gtest/gtest.h>

#include <thread>

#include "exif_test_support.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;

TEST(ImageThreads, ConcurrentChecksAgreeWithASingleThread) {
  ScratchDir dir;
  fs::path in = write_pnm(dir, "in.ppm", 120, 80, 3);
  run("cjpeg " + quoted(in) + " > " + quoted(dir / "base.jpg"));
  run("cjpeg -progressive " + quoted(in) + " > " + quoted(dir / "prog.jpg"));
  run("pnmtopng -interlace " + quoted(in) + " > " + quoted(dir / "adam7.png"));
  write_bytes(dir / "exif.jpg", with_app1(read_bytes(dir / "base.jpg"), exif_app1_payload({true, 6, "Cam", "2021:01:01 01:01:01"})));
  write_bytes(dir / "broken.png", Bytes(kPngSignature.begin(), kPngSignature.end()));
  const std::vector<std::string> names{"base.jpg", "prog.jpg", "adam7.png", "exif.jpg", "broken.png"};
  std::vector<ImageCheck> expected;
  for (const auto& n : names) expected.push_back(check_path(dir / n));
  ASSERT_TRUE(expected[3].ok() && expected[3].facts.orientation == 6);
  ASSERT_FALSE(expected[4].ok());

  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        for (std::size_t i = 0; i < names.size(); ++i) {
          std::size_t k = (i + static_cast<std::size_t>(t)) % names.size();  // threads out of step
          ImageCheck r = check_path(dir / names[k]);
          bool same = r.ok() == expected[k].ok() && (r.ok() ? r.facts == expected[k].facts
                                                             : r.problem->message == expected[k].problem->message);
          if (!same) ++mismatches[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[static_cast<std::size_t>(t)], 0) << "thread " << t;
}

}  // namespace
}  // namespace imgsh::proto
