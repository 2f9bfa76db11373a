"""The uiautomator2 server of the virtual phone: JSON-RPC 2.0 over HTTP, on the phone's screen.

uiautomator2 starts its on-device server with ``app_process`` (``com.wetest.uia2.Main -p 9008``)
and talks to it through ``tcp:9008``: ``GET /ping`` answers ``pong``, ``POST /jsonrpc/0`` takes a
JSON-RPC call.  Here the server runs in the phone's daemon on an ephemeral loopback port (the
``app_process`` tool registers it in the phone's ``PortMap``).  Every method works on the same UI
model ``uiautomator dump`` and ``input`` use (``harness.virtual.ui.screen``), so a click on a home-screen
icon launches the app through the ``ProcessTable``, and every action is written to the phone's
input log with ``via="uiautomator2"``.

Errors carry the texts the real server sends, because the client maps them to its exceptions:
``...uiautomator.UiObjectNotFoundException`` becomes ``UiObjectNotFoundError``.

This module is the HTTP transport and the JSON-RPC envelope (``U2Server``); the methods are
``u2service`` (``UiAutomatorService``), and UiSelector matching with the error replies is
``u2selector``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from harness.virtual.ui.u2selector import ERROR_INTERNAL, RpcError

log = logging.getLogger(__name__)


class RpcMethods(Protocol):
    """The JSON-RPC methods the server dispatches to (``u2service.UiAutomatorService``)."""

    def call(self, method: str, params: Any) -> Any:
        """The result of ``method``; raises ``RpcError`` with the real server's code and text."""
        ...


class U2Server:
    """The HTTP side: ``/ping`` and ``/jsonrpc/0`` on ``127.0.0.1`` at an ephemeral ``port``."""

    def __init__(self, service: RpcMethods) -> None:
        self.service = service
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                log.debug("u2 server: " + format, *args)

            def do_GET(self) -> None:
                self._reply(b"pong" if self.path == "/ping" else b"{}", "text/plain")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(json.dumps(outer.handle(body)).encode("utf-8"), "application/json")

            def _reply(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self._http = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._http.server_address[1])
        self._thread = threading.Thread(target=self._http.serve_forever, name=f"u2server-{self.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def handle(self, body: bytes) -> dict[str, Any]:
        """One JSON-RPC request body -> its response object."""
        try:
            request = json.loads(body)
            method, params, request_id = str(request["method"]), request.get("params"), request.get("id")
        except (ValueError, KeyError, TypeError):
            return {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
        try:
            return {"jsonrpc": "2.0", "id": request_id, "result": self.service.call(method, params)}
        except RpcError as exc:
            log.debug("u2 %s%s -> %s", method, params, exc.message)
            error = {"code": exc.code, "message": exc.message, "data": f"{exc.message}\n\tat {method}"}
        except Exception as exc:  # a bug here: answer like the server's catch-all, keep serving
            log.exception("u2 method %s failed", method)
            error = {"code": ERROR_INTERNAL, "message": f"java.lang.RuntimeException: {exc}", "data": repr(exc)}
        return {"jsonrpc": "2.0", "id": request_id, "error": error}

