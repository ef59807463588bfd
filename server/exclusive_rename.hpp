#pragma once
// Renames within one directory without ever replacing an entry: of two
// renames to one name exactly one wins (EEXIST for the other). Publishing an
// upload and the rename op both go through it.
namespace imgsh::server {

// renameat2(RENAME_NOREPLACE); where the filesystem answers EINVAL (CephFS
// via ceph-fuse, some FUSE filesystems) or lacks it, linkat then unlinkat,
// which is just as exclusive. Never a plain rename. Returns 0, or the errno
// of the failure (EEXIST: the name is taken).
int rename_exclusive(int dir_fd, const char* from, const char* to);

}  // namespace imgsh::server
