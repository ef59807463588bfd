// Validation throughput of check_image_file (protocol/image_check.hpp): not a test, a
// figure. Makes a large PNG and 24 MP JPEGs (baseline and progressive) with real encoders
// in a scratch directory, validates each a few times, and prints MB/s of file, MP/s of
// pixels and the peak resident memory after each, to show memory stays bounded.
//
//   image_check_bench [SCRATCH_DIR] [WIDTH HEIGHT]     (default /tmp, 6000 x 4000)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/image_check.hpp"
#include "protocol/unique_fd.hpp"

namespace {

// Gradients plus seeded noise: the encoders (and so the decoders) get real work.
void write_ppm(const std::string& path, std::uint32_t w, std::uint32_t h) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "P6\n" << w << " " << h << "\n255\n";
  std::vector<char> row(std::size_t{w} * 3);
  std::uint32_t state = 12345;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      state = state * 1664525u + 1013904223u;
      auto noise = static_cast<std::uint32_t>((state >> 24) & 0x0F);
      row[3 * x] = static_cast<char>(x * 255 / w + noise);
      row[3 * x + 1] = static_cast<char>(y * 255 / h + noise);
      row[3 * x + 2] = static_cast<char>(((x ^ y) & 0xFF) / 2 + noise);
    }
    out.write(row.data(), static_cast<std::streamsize>(row.size()));
  }
}

void sh(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
}

long peak_rss_mib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

void bench(const std::string& path, const char* label, int rounds) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  double best = 1e9;
  imgsh::proto::ImageCheck result;
  for (int i = 0; i < rounds; ++i) {
    imgsh::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    auto t0 = std::chrono::steady_clock::now();
    result = imgsh::proto::check_image_file(fd.get(), path);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < best) best = s;
  }
  if (!result.ok()) {
    std::fprintf(stderr, "%s refused: %s\n", label, result.problem->message.c_str());
    std::exit(1);
  }
  double mb = static_cast<double>(st.st_size) / 1e6;
  double mp = static_cast<double>(result.facts.width) * result.facts.height / 1e6;
  std::printf("%-22s %5u x %-5u %8.1f MB  %7.3f s  %8.1f MB/s  %7.1f MP/s  peak RSS %4ld MiB\n", label,
              result.facts.width, result.facts.height, mb, best, mb / best, mp / best, peak_rss_mib());
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp";
  std::uint32_t w = argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[2])) : 6000;
  std::uint32_t h = argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 4000;
  std::string ppm = dir + "/imgsh-bench.ppm", png = dir + "/imgsh-bench.png";
  std::string jpg = dir + "/imgsh-bench.jpg", pjpg = dir + "/imgsh-bench-progressive.jpg";
  std::printf("making %u x %u test images in %s ...\n", w, h, dir.c_str());
  std::fflush(stdout);
  write_ppm(ppm, w, h);
  sh("pnmtopng -compression 6 '" + ppm + "' > '" + png + "'");
  sh("cjpeg -quality 92 '" + ppm + "' > '" + jpg + "'");
  sh("cjpeg -quality 92 -progressive '" + ppm + "' > '" + pjpg + "'");
  ::unlink(ppm.c_str());
  std::printf("image validation (best of 3), peak RSS is cumulative for the process\n");
  std::printf("startup peak RSS %ld MiB\n", peak_rss_mib());
  bench(jpg, "JPEG baseline", 3);
  bench(png, "PNG RGB 8-bit", 3);
  bench(pjpg, "JPEG progressive", 3);
  for (const auto& p : {png, jpg, pjpg}) ::unlink(p.c_str());
}
