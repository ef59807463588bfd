#pragma once
// Checksums held in memory where the xattr cannot hold them (a read-only or
// foreign-owned file, a hard-linked file, fine-grained ctime): bounded, the
// least recently used entry goes first (keyed_memory.hpp).
#include <string>

#include "server/keyed_memory.hpp"

namespace imgsh::server {

using ChecksumMemory = KeyedMemory<std::string>;

}  // namespace imgsh::server
