#!/usr/bin/env bash
# Transfer benchmark: imgsh put/get of one large PNG-looking file over loopback, against
# socat doing the same raw TCP copy. Not part of the test suite; no timed assertions.
# See tests/bench/README.md.
#
# Environment:
#   SIZE_MB        file size in MiB (default 1024; reduced automatically if the disk is short)
#   RUNS           runs per workload (default 3)
#   STEP_TIMEOUT   seconds allowed for each step (default 120)
#   IMGSRV, IMGSH  binaries (default build/server/imgsrv, build/shell/imgsh)
#   TMPDIR         where the scratch directory goes (default /tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
helper="$here/bench_helper.py"

IMGSRV=${IMGSRV:-$repo/build/server/imgsrv}
IMGSH=${IMGSH:-$repo/build/shell/imgsh}
RUNS=${RUNS:-3}
T=${STEP_TIMEOUT:-120}
base_dir=${TMPDIR:-/tmp}

say() { printf '[bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in socat python3 timeout df; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install socat python3 coreutils)"
done
[[ -x $IMGSRV ]] || die "$IMGSRV missing: run 'make build' in $repo"
[[ -x $IMGSH ]] || die "$IMGSH missing: run 'make build' in $repo"

# ---- disk space ------------------------------------------------------------------------
say "df -h $base_dir:"
df -h "$base_dir" >&2
avail_mb=$(( $(df -Pk "$base_dir" | awk 'NR==2 {print $4}') / 1024 ))
if [[ -z ${SIZE_MB:-} ]]; then
  SIZE_MB=1024
  if (( avail_mb < 4096 )); then
    # source + stored + downloaded live together, plus slack
    SIZE_MB=$(( (avail_mb - 256) / 4 ))
    (( SIZE_MB >= 16 )) || die "only ${avail_mb} MiB free in $base_dir"
    say "NOTE: only ${avail_mb} MiB free in $base_dir (< 4 GiB): using SIZE_MB=$SIZE_MB instead of 1024"
  fi
elif (( avail_mb < 3 * SIZE_MB + 256 )); then
  die "SIZE_MB=$SIZE_MB needs about $(( 3 * SIZE_MB + 256 )) MiB in $base_dir; ${avail_mb} MiB free"
fi
size_bytes=$(( SIZE_MB * 1024 * 1024 ))

# ---- scratch directory and cleanup -------------------------------------------------------
work=$(mktemp -d "$base_dir/imgsh-bench.XXXXXX")
pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    # imgsrv waits up to 5 s for running requests; don't wait forever for anything
    timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

src="$work/src.png"
root="$work/root"            # store of the normal (fsync) server
root_nf="$work/root-nofsync" # store of the --no-fsync server
dl="$work/dl"                # imgsh get downloads
sink="$work/sink"            # socat receiver's files
mkdir -p "$root" "$root_nf" "$dl" "$sink"
results="$work/results.tsv"
: >"$results"
clientlog="$work/imgsh.log"
: >"$clientlog"

# ---- 1. the source file ------------------------------------------------------------------
say "making $SIZE_MB MiB $src (PNG signature + a repeated random 1 MiB block)"
head -c 1048576 /dev/urandom >"$work/block"
{
  printf '\x89PNG\r\n\x1a\n'
  for ((i = 0; i < SIZE_MB; i++)); do cat "$work/block"; done
} >"$src"
truncate -s "$size_bytes" "$src"
rm -f "$work/block"
[[ $(head -c 8 "$src" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || die "bad signature"
cat "$src" >/dev/null # warm the page cache once so every run reads it from memory

# ---- 2. the servers ----------------------------------------------------------------------
start_server() { # LOGFILE ROOT [EXTRA ARGS...] -> sets srv_pid srv_port
  local log=$1 dir=$2
  shift 2
  srv_port=$(python3 "$helper" freeport)
  "$IMGSRV" --bind 127.0.0.1 --root "$dir" "$@" "$srv_port" 2>"$log" &
  srv_pid=$!
  pids+=("$srv_pid")
  python3 "$helper" waitlisten "$srv_port" 10 || { cat "$log" >&2; die "imgsrv did not start"; }
}
start_server "$work/imgsrv.log" "$root"
srv=$srv_pid port=$srv_port
start_server "$work/imgsrv-nofsync.log" "$root_nf" --no-fsync
srv_nf=$srv_pid port_nf=$srv_port
say "imgsrv pid $srv on 127.0.0.1:$port (fsync), pid $srv_nf on 127.0.0.1:$port_nf (--no-fsync)"

# Every timed step starts from a clean page cache state: flush what earlier steps (or the
# file generation) left dirty, so one step's writeback does not throttle the next one.
settle() { timeout "$T" sync || say "sync did not finish in ${T}s"; sleep 1; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; } # name run ok secs srv_kb cli_kb

# ---- 3. socat baseline -------------------------------------------------------------------
# socat_copy RUN DEST: one raw TCP copy of $src into DEST; records "socat → /dev/null" or
# "socat → disk" and, for a disk file, "socat → disk + fsync" (same copy, then fsync(DEST)).
socat_copy() {
  local run=$1 dest=$2 p rpid t0 t1 t2 ok=ok
  p=$(python3 "$helper" freeport)
  if [[ $dest == /dev/null ]]; then
    timeout "$T" socat -b 1048576 -u "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr" OPEN:/dev/null &
  else
    timeout "$T" socat -b 1048576 -u "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr" "OPEN:$dest,creat,trunc" &
  fi
  rpid=$!
  pids+=("$rpid")
  python3 "$helper" waitlisten "$p" 10 || ok=fail
  settle
  t0=$EPOCHREALTIME
  timeout "$T" socat -b 1048576 -u "OPEN:$src" "TCP:127.0.0.1:$p" || ok=fail
  wait "$rpid" || ok=fail
  t1=$EPOCHREALTIME
  if [[ $dest == /dev/null ]]; then
    record "socat → /dev/null" "$run" "$ok" "$(elapsed "$t0" "$t1")" - -
  else
    [[ $(stat -c %s "$dest" 2>/dev/null || echo 0) == "$size_bytes" ]] || ok=fail
    record "socat → disk" "$run" "$ok" "$(elapsed "$t0" "$t1")" - -
    timeout "$T" sync "$dest" || ok=fail # coreutils sync FILE = fsync(FILE)
    t2=$EPOCHREALTIME
    record "socat → disk + fsync" "$run" "$ok" "$(elapsed "$t0" "$t2")" - -
    rm -f -- "$dest"
  fi
  [[ $ok == ok ]] || say "run $run: socat → $dest FAILED"
}

# ---- imgsh -------------------------------------------------------------------------------
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || hwm_reset_failed=1; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -; }
hwm_reset_failed=0

# imgsh_run NAME RUN SERVER_PID CHECK_FILE IMGSH_ARGS...: time one imgsh command
imgsh_run() {
  local name=$1 run=$2 spid=$3 check=$4 out secs cli_kb rc ok=ok
  shift 4
  settle
  reset_hwm "$spid"
  echo "== run $run $name: imgsh $*" >>"$clientlog"
  out=$(python3 "$helper" run "$T" "$IMGSH" "$@" 2>>"$clientlog")
  read -r secs cli_kb rc <<<"$out"
  [[ $rc == 0 ]] || ok=fail
  [[ $(stat -c %s "$check" 2>/dev/null || echo 0) == "$size_bytes" ]] || ok=fail
  record "$name" "$run" "$ok" "$secs" "$(hwm_kb "$spid")" "$cli_kb"
  if [[ $ok != ok ]]; then
    say "run $run: $name FAILED (exit $rc); imgsh said:"
    tail -n 3 "$clientlog" >&2
  fi
}

# ---- the runs, alternating with the baseline ---------------------------------------------
# Steps: S = socat to /dev/null then to disk, P = imgsh put (fsync server) then imgsh get of
# that file, N = imgsh put to the --no-fsync server. The order rotates from run to run so no
# workload is always the first writer after the previous run's large deletions (on this
# kind of VM disk that slot was measurably slower).
step_S() {
  socat_copy "$1" /dev/null
  socat_copy "$1" "$sink/copy.png"
}
step_P() {
  local run=$1 name="bench-$1.png"
  imgsh_run "imgsh put" "$run" "$srv" "$root/$name" 127.0.0.1:"$port" put "$src" "$name"
  if [[ -f $root/$name ]]; then
    imgsh_run "imgsh get" "$run" "$srv" "$dl/$name" 127.0.0.1:"$port" get "$name" "$dl/$name"
    if [[ -f $dl/$name ]] && ! cmp -s "$src" "$dl/$name"; then
      say "run $run: downloaded copy differs from the source"
    fi
  else
    say "run $run: nothing stored, skipping get"
    record "imgsh get" "$run" fail - - -
  fi
  rm -f -- "$root/$name" "$dl/$name"
}
step_N() {
  local run=$1 name="bench-$1.png"
  imgsh_run "imgsh put (--no-fsync)" "$run" "$srv_nf" "$root_nf/$name" \
    127.0.0.1:"$port_nf" put "$src" "$name"
  rm -f -- "$root_nf/$name" # keep at most source + stored + downloaded on disk
}
orders=("S P N" "P N S" "N S P")
for ((run = 1; run <= RUNS; run++)); do
  order=${orders[(run - 1) % 3]}
  say "run $run/$RUNS (order: $order)"
  for step in $order; do "step_$step" "$run"; done
done

# ---- 4. report ---------------------------------------------------------------------------
echo
python3 "$helper" table "$results" "$SIZE_MB"
(( hwm_reset_failed == 0 )) ||
  echo "NOTE: could not reset VmHWM (/proc/PID/clear_refs); server RSS figures are peaks since start."
echo
echo "imgsrv peak RSS: VmHWM of the serving imgsrv, reset (clear_refs 5) before each command."
echo "client peak RSS: ru_maxrss of the imgsh (or n/a for socat) process."
echo "imgsh get always fsyncs the download, so 'socat → disk + fsync' is its like-for-like ceiling."

fails=$(grep -c ' fail ' "$clientlog" || true)
if (( fails > 0 )); then
  echo
  echo "imgsh failure lines:"
  grep ' fail ' "$clientlog"
fi
srv_warn=$(cat "$work/imgsrv.log" "$work/imgsrv-nofsync.log" | grep -Eic '\b(warn|warning|error|critical)\b' || true)
if (( srv_warn > 0 )); then
  echo
  echo "imgsrv warnings/errors:"
  cat "$work/imgsrv.log" "$work/imgsrv-nofsync.log" | grep -Ei '\b(warn|warning|error|critical)\b' | head -20
fi

# Exit status 1 when any step failed (the figures above are still printed).
if awk -F'\t' '$3 != "ok" { bad = 1 } END { exit !bad }' "$results"; then
  echo
  echo "some steps FAILED (see above)"
  exit 1
fi
