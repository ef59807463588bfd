"""The accepting half of the fake imgsrv peers the shell's tests talk to (a hostile
server, a lister of any size): FakeServer listens on 127.0.0.1, serves one connection at
a time on its own thread for at most `lifetime` seconds, and stops by itself. A subclass
says what a connection gets in serve(conn, deadline); what ends a connection with an
error is kept in `errors`. Python 3 standard library only; importable from tests/bench.
"""

import socket
import threading
import time

from wire import HOST, MIB, frame

HELLO_LIMITS = {"max_file_size": 0, "inline_put_max": MIB, "max_header": 65536}


class FakeServer:
    def __init__(self, lifetime=30.0, conn_timeout=5.0, server_name="fake/0.0"):
        self.lifetime = lifetime
        self.conn_timeout = conn_timeout
        self.server_name = server_name
        self.errors = []
        self.closed_by_client = threading.Event()  # a connection has ended
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        try:
            self._listener.close()
        except OSError:
            pass

    def stopping(self, deadline):
        return self._stop.is_set() or time.monotonic() >= deadline

    def hello_reply(self, rid):
        return frame({"id": rid, "status": "ok", "server": self.server_name, "version": 1,
                      "limits": HELLO_LIMITS})

    def serve(self, conn, deadline):
        raise NotImplementedError

    def _run(self):
        deadline = time.monotonic() + self.lifetime
        while not self.stopping(deadline):
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(self.conn_timeout)
                try:
                    self.serve(conn, deadline)
                except (OSError, ConnectionError, ValueError) as e:
                    self.errors.append(repr(e))
            self.closed_by_client.set()
