"""Sockets driven by hand, for the tests and benches that play a peer imgsh never is:

- open_silent(): many connections that never send a byte (the hello deadline, the
  session limits, an HTTP endpoint's read deadline), plain or, through `connect`, TLS;
- recv_exact(), read_frame(): exact reads and one whole frame from any socket, plain or
  TLS, either end (a test's hostile server reads requests with them too).

wire.RawClient is the client of a plain connection; these serve where a test holds the
socket itself. Importable from tests/bench (sys.path gets tests/integration). Python 3
standard library only.
"""

import json
import socket
import struct

HOST = "127.0.0.1"


def open_silent(port, count, connect=None, timeout=10):
    """`count` connections to HOST:port that never send; connect(port), when given,
    makes each one (e.g. a TLS handshake). The caller closes them."""
    connect = connect or (lambda p: socket.create_connection((HOST, p), timeout=timeout))
    socks = []
    try:
        for _ in range(count):
            socks.append(connect(port))
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


class PeerClosed(ConnectionError):
    """The peer closed (EOF) before the bytes a read wanted."""


def recv_exact(sock, n):
    """n bytes from sock; PeerClosed (a ConnectionError) if the peer closes first."""
    chunks = []
    while n > 0:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise PeerClosed("connection closed by the peer")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(sock):
    """One frame (protocol/PROTOCOL.md): its JSON header as a dict, and its body."""
    header_len, body_len = struct.unpack(">IQ", recv_exact(sock, 12))
    header = json.loads(recv_exact(sock, header_len).decode("utf-8"))
    return header, recv_exact(sock, body_len)
