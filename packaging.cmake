# `cpack -G DEB` (make deb): one .deb with both programs, their completions and man
# pages, the systemd unit and the example options file: everything `cmake --install`
# puts under the prefix. Configure with -DCMAKE_INSTALL_PREFIX=/usr so the unit's
# ExecStart names the packaged binary (make deb does). IMGSH_PACKAGE_CONTACT (the
# Maintainer) is set in deploy/, which also writes the package's changelog.
set(CPACK_PACKAGE_NAME imgsh)
set(CPACK_PACKAGE_VENDOR "the imgsh project")
set(CPACK_PACKAGE_CONTACT "${IMGSH_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "image file service: imgsrv server and imgsh shell")
set(CPACK_PACKAGE_DESCRIPTION "\
imgsrv stores JPEG and PNG files in one directory and serves many clients at
once; imgsh is a shell over one persistent connection (ls, get, put, stat) that
also runs scripts. Files stream in chunks, are checked with XXH3-128, land
atomically and are never overwritten; TLS and tokens are optional.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # imgsh_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies (libssl3, libedit2, libsystemd0, ...) as dpkg-shlibdeps finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
