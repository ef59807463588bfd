"""A stammering TCP relay for the integration tests (DESIGN.md requirement 6).

Listens on a loopback port; for each accepted connection it connects to the target and
forwards bytes in both directions in random pieces (1..7 bytes by default, TCP_NODELAY,
so each piece tends to travel in its own segment), with small random delays between
pieces. It also serves the fault tests: with large pieces and fixed delays it throttles
a transfer so a test can act mid-way (it counts the bytes forwarded each way), and
cut_all() drops every connection at once, like a lost network.

Everything is bounded: sockets poll with short timeouts, each connection lives at most
max_lifetime seconds, stop() ends all threads.

Run by hand: python3 stammer_relay.py TARGET_PORT [LISTEN_PORT]
"""

import random
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
POLL = 0.2


class StammerRelay:
    def __init__(self, target_port, target_host=HOST, min_piece=1, max_piece=7,
                 min_delay=0.0, max_delay=0.001, delay_probability=1.0, seed=None,
                 abort_on_close=False, max_lifetime=120.0, listen_port=0, sock_buf=None, flip=None):
        self.target = (target_host, target_port)
        # flip=(direction, offset): XOR the byte at that stream offset of each connection's
        # "c2s" or "s2c" stream with 0x01 (flip_relay.py); `flipped` counts them.
        self.flip = flip
        self.flipped = 0
        self.min_piece = min_piece
        self.max_piece = max_piece
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.delay_probability = delay_probability
        self.abort_on_close = abort_on_close
        self.max_lifetime = max_lifetime
        self._seed = seed
        self.sock_buf = sock_buf  # small kernel buffers keep a throttled stream tight
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns = []
        self._threads = []
        self.bytes_c2s = 0  # client -> server, forwarded
        self.bytes_s2c = 0  # server -> client, forwarded
        self.connections = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._set_bufs(self._listener)
        self._listener.bind((HOST, listen_port))
        self._listener.listen(64)
        self._listener.settimeout(POLL)
        self.port = self._listener.getsockname()[1]

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self):
        t = threading.Thread(target=self._accept_loop, name="relay-accept", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        self.cut_all(abort=False)
        for t in list(self._threads):
            t.join(timeout=5)
        try:
            self._listener.close()
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def cut_all(self, abort=True):
        """Drops every connection at once (with a reset when abort)."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.close(abort)

    # -- internals ---------------------------------------------------------------------

    def _accept_loop(self):
        n = 0
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            n += 1
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._set_bufs(server)
            try:
                server.settimeout(5)
                server.connect(self.target)
            except OSError:
                server.close()
                client.close()
                continue
            seed = None if self._seed is None else self._seed * 1000 + n
            conn = _Connection(self, client, server, random.Random(seed))
            with self._lock:
                self._conns.append(conn)
                self.connections += 1
            for src, dst, direction in ((client, server, "c2s"), (server, client, "s2c")):
                t = threading.Thread(target=conn.pump, args=(src, dst, direction),
                                     name="relay-%s-%d" % (direction, n), daemon=True)
                t.start()
                self._threads.append(t)

    def _set_bufs(self, sock):
        if self.sock_buf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.sock_buf)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.sock_buf)

    def _maybe_flip(self, direction, seen, data):
        if self.flip is None or direction != self.flip[0]:
            return data
        i = self.flip[1] - seen
        if not 0 <= i < len(data):
            return data
        with self._lock:
            self.flipped += 1
        return data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]

    def _count(self, direction, n):
        with self._lock:
            if direction == "c2s":
                self.bytes_c2s += n
            else:
                self.bytes_s2c += n


class _Connection:
    def __init__(self, relay, client, server, rnd):
        self.relay = relay
        self.client = client
        self.server = server
        self.rnd = rnd
        self.deadline = time.monotonic() + relay.max_lifetime
        self._lock = threading.Lock()
        self._closed = False
        self._done = 0
        for s in (client, server):
            s.settimeout(POLL)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def alive(self):
        return (not self._closed and not self.relay._stop.is_set()
                and time.monotonic() < self.deadline)

    def close(self, abort):
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for s in (self.client, self.server):
            try:
                if abort:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _send_all(self, dst, data):
        view = memoryview(data)
        while view:
            if not self.alive():
                return False
            try:
                n = dst.send(view)
            except socket.timeout:
                continue
            except OSError:
                return False
            view = view[n:]
        return True

    def pump(self, src, dst, direction):
        relay = self.relay
        rnd = self.rnd
        bufsize = max(4096, relay.max_piece)
        seen = 0
        ok = True
        while ok and self.alive():
            try:
                data = src.recv(bufsize)
            except socket.timeout:
                continue
            except OSError:
                ok = False
                break
            if not data:
                break
            data = relay._maybe_flip(direction, seen, data)
            seen += len(data)
            i = 0
            while i < len(data):
                n = rnd.randint(relay.min_piece, relay.max_piece)
                piece = data[i:i + n]
                if not self._send_all(dst, piece):
                    ok = False
                    break
                relay._count(direction, len(piece))
                i += len(piece)
                if relay.max_delay > 0 and rnd.random() < relay.delay_probability:
                    time.sleep(rnd.uniform(relay.min_delay, relay.max_delay))
        if not ok or relay.abort_on_close or not self.alive():
            self.close(abort=True)
            return
        # Orderly end of this direction: pass the half-close on.
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self._lock:
            self._done += 1
            both = self._done == 2
        if both:
            self.close(abort=False)


def main(argv):
    if len(argv) < 2:
        print("usage: stammer_relay.py TARGET_PORT [LISTEN_PORT]", file=sys.stderr)
        return 2
    relay = StammerRelay(int(argv[1]), listen_port=int(argv[2]) if len(argv) > 2 else 0)
    relay.start()
    print(relay.port, flush=True)
    try:
        time.sleep(3600)  # bounded: a relay started by hand lives at most an hour
    except KeyboardInterrupt:
        pass
    relay.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
