"""A fake imgsrv that answers `list` with a generated listing of any size, streamed in
1 MiB pieces so the test (or benchmark) never holds it: hello, list and bye on
127.0.0.1. Entry i is named name_of(i) (fixed width, so the body's length is known
before it is sent) and sorted as a real server sends it. Used by test_list_streaming
and tests/bench/list_stream_bench.py."""

from fake_server import FakeServer
from raw_sockets import read_frame
from wire import frame

PIECE = 1 << 20


class ListingServer(FakeServer):
    def __init__(self, entries, pad=200, lifetime=600.0):
        super().__init__(lifetime=lifetime, conn_timeout=60, server_name="fake-lister/0.0")
        self.entries = entries
        self.pad = pad
        self.served = 0  # list bodies sent whole
        self.start()

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

    def serve(self, conn, deadline):
        while not self.stopping(deadline):
            header, _ = read_frame(conn)
            op, rid = header.get("op"), header.get("id")
            if op == "hello":
                conn.sendall(self.hello_reply(rid))
            elif op == "list":
                conn.sendall(frame({"id": rid, "status": "ok", "count": self.entries, "truncated": False},
                                   body_len=self.body_len()))
                for piece in self._body_pieces():
                    conn.sendall(piece)
                self.served += 1
            elif op == "bye":
                conn.sendall(frame({"id": rid, "status": "ok"}))
                return
            else:
                conn.sendall(frame({"id": rid, "status": "error", "code": "unknown_op",
                                    "message": "this fake server only lists"}))
