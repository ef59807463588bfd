"""A TCP relay that corrupts one byte: for the integrity tests (checksums).

Forwards every connection to the target unchanged, except that in one direction
("c2s" client to server, "s2c" server to client) the byte at stream offset `offset` is
XORed with 0x01, once per connection. TCP checksums would never let such damage through
on loopback, so this stands in for a faulty middlebox, NIC or memory. Bounded: sockets
poll with short timeouts and stop() ends all threads.
"""

import socket
import threading

HOST = "127.0.0.1"
POLL = 0.2


class FlipRelay:
    def __init__(self, target_port, direction, offset):
        assert direction in ("c2s", "s2c")
        self.target = (HOST, target_port)
        self.direction = direction
        self.offset = offset
        self.flipped = 0
        self._stop = threading.Event()
        self._threads = []
        self._socks = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self._listener.settimeout(POLL)
        self.port = self._listener.getsockname()[1]

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self):
        self._spawn(self._accept_loop)
        return self

    def stop(self):
        self._stop.set()
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=5)
        self._listener.close()

    def _spawn(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=5)
            for s in (client, server):
                s.settimeout(POLL)
            with self._lock:
                self._socks += [client, server]
            self._spawn(self._pump, client, server, self.direction == "c2s")
            self._spawn(self._pump, server, client, self.direction == "s2c")

    def _send_all(self, dst, data):
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                view = view[dst.send(view):]
            except socket.timeout:
                continue
            except OSError:
                return False
        return not view

    def _pump(self, src, dst, corrupt):
        seen = 0
        while not self._stop.is_set():
            try:
                data = src.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            if corrupt and seen <= self.offset < seen + len(data):
                i = self.offset - seen
                data = data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
                with self._lock:
                    self.flipped += 1
            seen += len(data)
            if not self._send_all(dst, data):
                break
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
