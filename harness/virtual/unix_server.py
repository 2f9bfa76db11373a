"""The unix-socket servers of the phone's daemon: the service tools' socket and the binder.

``UnixSocketServer(path, handle, name=...)`` replaces a stale socket file left at ``path`` by a
daemon that died, binds and listens there (``mode``: the socket file's permissions, for clients
of another uid, such as the sandboxed shell), and once started serves each connection on a
thread of its own with ``handle(socket)``; the socket is closed when ``handle`` returns.
``stop`` ends the accept loop, closes the listener and removes the socket file.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[socket.socket], None]


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class UnixSocketServer:
    """A threading server on a unix socket: one ``handle(connection)`` call per client."""

    def __init__(self, path: Path, handle: Handler, *, name: str, mode: int | None = None) -> None:
        self.path = path

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                handle(self.request)

        path.unlink(missing_ok=True)
        self._server = _Server(str(path), _Handler)
        if mode is not None:
            path.chmod(mode)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self.path.unlink(missing_ok=True)
