#!/usr/bin/env bash
# `make bench`: installs the peers the benchmark compares against (Debian packages, only
# when missing; sudo only when not root), then runs bench.py. See tests/bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# `make bench BENCH_ARGS="--scaleout [--runs N]"`: the scale-out rows instead (a one-machine
# Ceph cluster, two nodes behind HAProxy, against one node on a local directory; root).
if [[ ${1:-} == --scaleout ]]; then
  shift
  exec python3 "$here/scaleout_bench.py" "$@"
fi

# command -> Debian package
declare -A need=(
  [socat]=socat
  [nginx]=nginx-light
  [sshd]=openssh-server
  [sftp]=openssh-client
  [ssh-keygen]=openssh-client
  [wrk]=wrk
  [curl]=curl
  [openssl]=openssl
  [python3]=python3
  [valgrind]=valgrind  # callgrind: instructions per request (cpu_per_request.py)
  [callgrind_control]=valgrind
  [strace]=strace  # system calls per request
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("${need[$cmd]}")
done
# nginx-light's http_dav_module does PUT; nothing more is needed for the benchmark.
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "[bench] installing ${missing[*]}" >&2
  for attempt in 1 2 3 4 5; do # apt may be locked by another process for a while
    if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
      break
    fi
    ((attempt < 5)) || exit 1
    "${sudo[@]}" apt-get update || true
    sleep 10
  done
  # Debian starts the freshly installed daemons; the benchmark runs its own copies.
fi
exec python3 "$here/bench.py" "$@"
