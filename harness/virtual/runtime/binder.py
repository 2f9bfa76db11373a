"""The virtual phone's system services for its apps (what binder is on Android).

App processes reach the daemon over a unix socket (path in the JVM property ``vphone.binder``),
one JSON request per line, one JSON answer per line:
``{"method": M, "package": P, "pid": N, "args": {...}}`` -> ``{"result": ...}`` or
``{"error": {"type": "java.lang.SecurityException", "message": "..."}}``.

Methods: ``snapshot`` (see ``app_snapshot``), ``sms.send`` (the message goes to the SMS provider's
sent box and the log, as the radio would take it), ``log`` (android.util.Log into logcat),
``op.note`` (an app-op use), ``ui.show`` and ``ui.next`` (the app's screen and its input events,
see ``harness.virtual.ui.app_ui``), ``app.next`` and ``app.finish`` (the work the phone schedules on
the app's ActivityThread and a receiver's result, see ``app_threads``).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.virtual.runtime.app_snapshot import app_snapshot
from harness.virtual.runtime.app_threads import AppThreads
from harness.virtual.system.state import PhoneState
from harness.virtual.ui.app_ui import AppUiHub
from harness.virtual.unix_server import UnixSocketServer

log = logging.getLogger(__name__)

_MAX_REQUEST = 4 * 1024 * 1024


class BinderError(Exception):
    def __init__(self, java_type: str, message: str) -> None:
        super().__init__(message)
        self.java_type = java_type


class Binder:
    """Serves the app processes of one phone."""

    def __init__(self, socket_path: Path, phone: PhoneState, ui: AppUiHub, threads: AppThreads | None = None) -> None:
        self.socket_path = socket_path
        self._phone = phone
        self._ui = ui
        self._threads = threads or AppThreads()
        self._methods: dict[str, Callable[[str, int, dict[str, Any]], Any]] = {
            "snapshot": self._snapshot, "sms.send": self._send_sms, "log": self._log, "op.note": self._note_op,
            "ui.show": self._ui_show, "ui.next": self._ui_next, "app.next": self._app_next,
            "app.finish": self._app_finish,
        }
        self._server = UnixSocketServer(socket_path, self._connection, name="binder")

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def _connection(self, sock: socket.socket) -> None:
        with sock.makefile("rb") as rfile:
            self._serve(rfile, sock)

    def _serve(self, rfile: Any, sock: socket.socket) -> None:
        while line := rfile.readline(_MAX_REQUEST):
            try:
                request = json.loads(line)
                method = self._methods.get(str(request.get("method")))
                if method is None:
                    raise BinderError("java.lang.UnsupportedOperationException", f"no method {request.get('method')}")
                answer: dict[str, Any] = {"result": method(str(request["package"]), int(request.get("pid", 0)),
                                                             dict(request.get("args") or {}))}
            except BinderError as exc:
                answer = {"error": {"type": exc.java_type, "message": str(exc)}}
            except (ValueError, KeyError, TypeError) as exc:
                answer = {"error": {"type": "java.lang.IllegalArgumentException", "message": f"bad request: {exc}"}}
            except Exception as exc:  # a bug here must not kill the app's connection silently
                log.exception("binder call failed")
                answer = {"error": {"type": "java.lang.IllegalStateException", "message": str(exc)}}
            try:
                sock.sendall(json.dumps(answer).encode() + b"\n")
            except OSError:
                return

    def _spec(self, package: str) -> Any:
        spec = self._phone.package(package)
        if spec is None:
            raise BinderError("java.lang.SecurityException", f"unknown package {package}")
        return spec

    def _snapshot(self, package: str, pid: int, _args: dict[str, Any]) -> dict[str, Any]:
        return app_snapshot(self._phone, self._spec(package), pid)

    def _send_sms(self, package: str, pid: int, args: dict[str, Any]) -> int:
        self._spec(package)
        address, body = str(args["address"]), str(args["body"])
        sms_id = self._phone.providers.insert("content://sms/sent", {
            "address": address, "body": body, "date": int(time.time() * 1000), "type": 2, "read": 1, "seen": 1,
        })
        self._phone.note_app_op(package, "SEND_SMS")
        self._phone.log("D", "SmsManager", f"sendTextMessage from {package} to {address}: {len(body)} chars",
                        pid=pid or None)
        return sms_id

    def _log(self, package: str, pid: int, args: dict[str, Any]) -> None:
        self._phone.log(str(args.get("priority", "I")), str(args.get("tag", package)), str(args.get("message", "")),
                        pid=pid or None)

    def _note_op(self, package: str, _pid: int, args: dict[str, Any]) -> None:
        self._phone.note_app_op(package, str(args["op"]), rejected=bool(args.get("rejected")))

    def _ui_show(self, package: str, _pid: int, args: dict[str, Any]) -> None:
        self._ui.show(package, str(args.get("activity", "")), list(args.get("nodes") or []))

    def _ui_next(self, package: str, _pid: int, args: dict[str, Any]) -> dict[str, Any] | None:
        return self._ui.next_event(package, float(args.get("timeout", 30.0)))

    def _app_next(self, package: str, pid: int, args: dict[str, Any]) -> dict[str, Any] | None:
        return self._threads.next_message(package, pid, float(args.get("timeout", 30.0)))

    def _app_finish(self, package: str, pid: int, args: dict[str, Any]) -> None:
        data = args.get("data")
        result = {"code": int(args.get("code", 0)), "data": None if data is None else str(data),
                  "abort": bool(args.get("abort", False))}
        if not self._threads.finish(package, pid, int(args["id"]), result):
            raise BinderError("java.lang.IllegalStateException", "Broadcast already finished")
