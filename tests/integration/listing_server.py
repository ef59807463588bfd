"""A fake imgsrv that answers `list` with a generated listing of any size, streamed in
1 MiB pieces so the test (or benchmark) never holds it: hello, list and bye on
127.0.0.1. Entry i is named name_of(i) (fixed width, so the body's length is known
before it is sent) and sorted as a real server sends it. Used by test_list_streaming
and tests/bench/list_stream_bench.py."""

import json
import socket
import struct
import threading

HOST = "127.0.0.1"
PIECE = 1 << 20


def _frame_head(header, body_len):
    hb = json.dumps(header).encode()
    return struct.pack(">IQ", len(hb), body_len) + hb


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        piece = conn.recv(n - len(data))
        if not piece:
            raise ConnectionError("closed")
        data += piece
    return data


class ListingServer:
    def __init__(self, entries, pad=200):
        self.entries = entries
        self.pad = pad
        self.served = 0  # list bodies sent whole
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(4)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def name_of(self, i):
        return "n%08d-%s.png" % (i, "x" * self.pad)

    def _entry(self, i):
        return b'{"name":"%s","size":48213,"mtime":1763700000}' % self.name_of(i).encode()

    def body_len(self):
        n = self.entries
        return 2 + n * len(self._entry(0)) + max(n - 1, 0)

    def _body_pieces(self):
        piece = bytearray(b"[")
        for i in range(self.entries):
            if i:
                piece += b","
            piece += self._entry(i)
            if len(piece) >= PIECE:
                yield bytes(piece)
                piece = bytearray()
        piece += b"]"
        yield bytes(piece)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                try:
                    self._serve(conn)
                except (OSError, ConnectionError, ValueError):
                    pass

    def _serve(self, conn):
        conn.settimeout(60)
        while not self._stop.is_set():
            header_len, body_len = struct.unpack(">IQ", _recv_exact(conn, 12))
            header = json.loads(_recv_exact(conn, header_len).decode())
            if body_len:
                _recv_exact(conn, body_len)
            op, rid = header.get("op"), header.get("id")
            if op == "hello":
                conn.sendall(_frame_head({"id": rid, "status": "ok", "server": "fake-lister/0.0", "version": 1,
                                          "limits": {"max_file_size": 0, "inline_put_max": 1 << 20,
                                                     "max_header": 65536}}, 0))
            elif op == "list":
                conn.sendall(_frame_head({"id": rid, "status": "ok", "count": self.entries, "truncated": False},
                                         self.body_len()))
                for piece in self._body_pieces():
                    conn.sendall(piece)
                self.served += 1
            elif op == "bye":
                conn.sendall(_frame_head({"id": rid, "status": "ok"}, 0))
                return
            else:
                conn.sendall(_frame_head({"id": rid, "status": "error", "code": "unknown_op",
                                          "message": "this fake server only lists"}, 0))
