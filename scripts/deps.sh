#!/usr/bin/env bash
# Installs the Debian packages imgsh needs to build and test. Idempotent: does
# nothing when every package is already installed; uses sudo only when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config g++
  libasio-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libedit-dev libssl-dev libxxhash-dev libcli11-dev
  # image validation: PNG, JPEG (the libjpeg API, for its streaming source), EXIF
  libspng-dev libisal-dev libjpeg62-turbo-dev libexif-dev zlib1g-dev
  libsystemd-dev  # sd_notify
  libutf8proc-dev  # name rules (NFC, format characters), escaping for logs and terminal
  libchafa-dev libglib2.0-dev  # view: images in the terminal (kitty, iTerm2, sixel or Unicode blocks)
  libtomlplusplus-dev  # imgsh's config file (TOML; its errors name the line)
  python3 libjpeg-turbo-progs socat
  # tests: completion scripts (zsh/fish -n, bash-completion), pty sessions, the fuzz
  # target (clang + libFuzzer runtime), network namespaces, TLS certificates, checksums,
  # the durability test (strace), test images and their outside referee (imagemagick,
  # netpbm), man pages (mandoc -Tlint), the systemd unit (systemd-analyze: not in a
  # minimal Debian 12 image), make deb (file, for cpack)
  zsh fish bash-completion tmux clang-14 libclang-rt-14-dev iproute2 openssl xxhash strace imagemagick netpbm
  mandoc systemd file
  lintian dpkg-dev  # the package test: cpack -G DEB (dpkg-shlibdeps), lintian on the .deb
  # the scale-out test (tests/scaleout): a one-machine Ceph cluster, CephFS through
  # ceph-fuse, HAProxy in front of the servers; monmaptool is in ceph-base, umount in mount
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-common ceph-base haproxy mount
  # imgsh's peak RSS in test_list_streaming and tests/bench/list_stream_bench.py: GNU time
  # (-f %M), not the test's own rusage, which counts the Python parent's RSS at exec
  time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
