#!/usr/bin/env bash
# Starts imgsrv on 127.0.0.1 with a demo store of a few real images, then
# opens imgsh connected to it. Quitting the shell stops the server.
set -euo pipefail
build=${1:-build}
root_dir=$(cd "$(dirname "$0")/.." && pwd)
demo="$build/demo-root"
log="$build/demo-imgsrv.log"

mkdir -p "$demo"
if [ -z "$(ls -A "$demo")" ]; then
  cp "$root_dir"/tests/data/{baseline.jpg,progressive.jpg,photo.jpeg,icon.png} "$demo"/
fi

port=${IMGSH_DEMO_PORT:-7070}
for _ in $(seq 1 20); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break  # free when nothing answers
  port=$((port + 1))
done

"$build/server/imgsrv" --bind 127.0.0.1 --root "$demo" "$port" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  grep -q "listening" "$log" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

echo "imgsrv is serving $demo on 127.0.0.1:$port (log: $log)."
echo "Try: ls, get baseline.jpg /tmp/, put PATH, help. Quit with quit or Ctrl-D."
"$build/shell/imgsh" "127.0.0.1:$port"
