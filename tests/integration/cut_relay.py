"""A TCP relay that loses one reply: for the tests of imgsh's retry after a lost connection.

Forwards every connection to the target unchanged, except the first: there it reads the
server's frames and, at the `nth` `ok` reply of kind "put" (the file is stored) or "get"
(the file's bytes follow), closes both sides instead of forwarding it. The client then has a put stored on the server whose reply
never came, and pipelined requests behind it in an unknown state: what a node that dies
mid-batch behind a balancer leaves. Later connections pass untouched (the reconnect).
Python 3 standard library only.
"""

import json
import socket
import struct
import threading

HOST = "127.0.0.1"


class CutRelay:
    def __init__(self, target_port, nth, kind="put"):
        assert kind in ("put", "get")
        self.target_port = target_port
        self.nth = nth
        self.kind = kind
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.cut = threading.Event()  # set once the first connection was cut
        self.stopping = False
        self._socks = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            server = socket.create_connection((HOST, self.target_port), timeout=10)
            client.settimeout(None)
            server.settimeout(None)
            self._socks += [client, server]
            self.connections += 1
            first = self.connections == 1
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            target = self._cutting_pump if first else self._pump
            threading.Thread(target=target, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _cutting_pump(self, server, client):
        """Server to client, frame by frame, until the nth ok put reply: then cut."""
        buf = b""
        seen = 0
        try:
            while True:
                while len(buf) >= 12:
                    hlen, blen = struct.unpack(">IQ", buf[:12])
                    if len(buf) < 12 + hlen + blen:
                        break
                    head = json.loads(buf[12:12 + hlen])
                    end = 12 + hlen + blen
                    # put and get replies both carry xxh3; only a get's has a body.
                    if head.get("status") == "ok" and "xxh3" in head and \
                            (blen > 0) == (self.kind == "get"):
                        seen += 1
                        if seen == self.nth:
                            self.cut.set()
                            for s in (server, client):
                                s.shutdown(socket.SHUT_RDWR)
                                s.close()
                            return
                    client.sendall(buf[:end])
                    buf = buf[end:]
                data = server.recv(65536)
                if not data:
                    break
                buf += data
        except OSError:
            pass
        for s in (server, client):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
