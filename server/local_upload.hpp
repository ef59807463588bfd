#pragma once
// One upload into the local directory store: bytes go into a hidden temporary
// in the root, and publish() renames it to its name without ever replacing a
// file. Destroyed unpublished, it removes the temporary.
#include <memory>
#include <string>

#include "protocol/unique_fd.hpp"
#include "server/checksum_service.hpp"
#include "server/image_facts_service.hpp"
#include "server/image_validation.hpp"
#include "server/storage.hpp"
#include "server/upload_resume.hpp"

namespace imgsh::server {

// A resumable upload's temporary (upload_resume.hpp): taken from `kept`, which it is
// handed back to when the upload ends; `held` bytes were already in it (fd is at its end).
struct ResumableTemp {
  KeptUploads* kept = nullptr;
  std::uint64_t held = 0;
};

// The sink for `name`, writing into `fd`, the temporary `temp_name` in the root `root_fd`.
std::unique_ptr<UploadSink> make_local_upload(int root_fd, bool fsync, ChecksumService& hashes, ImageValidator& validator,
                                              ImageFactsService& facts_service, std::string name, std::string temp_name,
                                              UniqueFd fd, ResumableTemp resumable = {});

}  // namespace imgsh::server
