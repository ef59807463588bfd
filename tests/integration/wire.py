"""The wire, spoken directly: for the tests that must send what imgsh never would.

- frame(), prefix(): the bytes of a frame (struct '>IQ' header_len, body_len, then the
  JSON header and the body; protocol/PROTOCOL.md), for building hostile input by hand;
- xxh3_hex(): the checksum trailer's "xxh3" value (`xxhsum -H2`) of bytes or a file;
- RawClient: one TCP connection to an imgsrv: frames out, frames in, hello, an inline put
  with its trailer, and closed_by_peer() to see the server hang up.

Everything talks to 127.0.0.1 only (HOST). Python 3 standard library only.
"""

import errno
import json
import select
import socket
import struct
import subprocess
import time

import raw_sockets

HOST = "127.0.0.1"
MIB = 1024 * 1024
DEFAULT_INLINE_PUT_MAX = MIB  # PROTOCOL.md section 4


def encode_header(header):
    """A header dict as compact JSON bytes; bytes pass through unchanged."""
    if isinstance(header, (bytes, bytearray)):
        return bytes(header)
    return json.dumps(header, separators=(",", ":")).encode("utf-8")


def prefix(header_len, body_len=0):
    """A frame's 12-byte prefix alone (any values, legal or not)."""
    return struct.pack(">IQ", header_len, body_len)


def frame(header, body=b"", body_len=None):
    """One whole frame; body_len other than len(body) announces a body not (all) sent."""
    hb = encode_header(header)
    return prefix(len(hb), len(body) if body_len is None else body_len) + hb + body


def xxh3_hex(data=None, path=None):
    """XXH3-128 as `xxhsum -H2` prints it (the wire form of "xxh3"), of bytes or a file."""
    args = ["xxhsum", "-H2", path if path is not None else "-"]
    res = subprocess.run(args, input=data if path is None else None, stdout=subprocess.PIPE,
                         check=True, timeout=60)
    return res.stdout.split()[0].decode()


class ConnectionClosed(Exception):
    pass


class RawClient:
    """Speaks frames directly: struct.pack('>IQ', header_len, body_len) + header + body."""

    def __init__(self, port, host=HOST, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.next_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Closes with a TCP reset (SO_LINGER 0), like a crashed peer."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def take_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    encode_header = staticmethod(encode_header)

    def send_frame(self, header, body=b"", body_len=None, header_len=None):
        hb = encode_header(header)
        if body_len is None:
            body_len = len(body)
        if header_len is None:
            header_len = len(hb)
        self.sock.sendall(prefix(header_len, body_len) + hb + body)

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        try:
            return raw_sockets.recv_exact(self.sock, n)
        except ConnectionResetError as e:
            raise ConnectionClosed("connection reset: %s" % e)
        except raw_sockets.PeerClosed:
            raise ConnectionClosed("connection closed by the server")

    def recv_frame_header(self):
        """Reads a frame's prefix and JSON header; returns (header dict, body_len)."""
        raw_prefix = self.recv_exact(12)
        header_len, body_len = struct.unpack(">IQ", raw_prefix)
        if not 1 <= header_len <= 65536:
            raise AssertionError("server sent header_len %d" % header_len)
        header = json.loads(self.recv_exact(header_len).decode("utf-8"))
        if not isinstance(header, dict):
            raise AssertionError("server sent a header that is not an object: %r" % header)
        return header, body_len

    def recv_frame(self, max_body=256 * MIB):
        header, body_len = self.recv_frame_header()
        if body_len > max_body:
            raise AssertionError("reply body of %d bytes is larger than expected" % body_len)
        return header, self.recv_exact(body_len)

    def send_trailer(self, rid, data=None, xxh3=None):
        """The checksum trailer that follows every put body (PROTOCOL.md section 4)."""
        self.send_frame({"op": "checksum", "id": rid, "xxh3": xxh3 or xxh3_hex(data)})

    def request(self, op, body=b"", body_len=None, rid=None, trailer=True, **fields):
        """Sends one request and reads its reply; returns (reply header, reply body).
        A put with a body is followed by its checksum trailer unless trailer=False."""
        if rid is None:
            rid = self.take_id()
        header = {"op": op, "id": rid}
        header.update(fields)
        self.send_frame(header, body, body_len)
        if trailer and op == "put" and body:
            self.send_trailer(rid, body)
        reply, reply_body = self.recv_frame()
        if reply.get("id") != rid and reply.get("code") not in ("bad_frame", "busy"):
            raise AssertionError("reply id %r does not echo request id %r: %r"
                                 % (reply.get("id"), rid, reply))
        return reply, reply_body

    def hello(self):
        reply, _ = self.request("hello", version=1, client="imgsh-tests/1.0")
        if reply.get("status") != "ok":
            raise AssertionError("hello refused: %r" % reply)
        return reply

    def put_inline(self, name, data):
        return self.request("put", body=data, name=name, size=len(data))[0]

    def reply_arriving(self, timeout=30.0):
        """True once the server's reply has begun to arrive (nothing is read)."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def closed_by_peer(self, timeout=5.0):
        """True if the server closes (EOF or reset) within timeout; any data is drained."""
        deadline = time.monotonic() + timeout
        drained = 0
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                b = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    return True
                raise
            if not b:
                return True
            drained += len(b)
            if drained > 64 * MIB:
                return False
        return False
