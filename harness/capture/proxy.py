"""mitmproxy inside the harness process: its own thread and asyncio loop, its addons, a per-run CA.

    proxy = MitmProxy(confdir, addons=[FlowRecorder(writer), PhoneResolver(hosts)], upstream_ca=bundle)
    port = proxy.start()          # listening on 127.0.0.1:port (an explicit HTTP proxy)
    proxy.ca_pem                  # mitmproxy's CA (made in confdir on first start)
    proxy.stop()

A ``DumpMaster`` (no terminal log, no dumper) runs the ``regular`` (explicit proxy) mode on
127.0.0.1 and a free port.  ``http3`` is off: an explicit HTTP proxy carries TCP only, so QUIC
never reaches it anyway (apps that try QUIC go around it: blocked on the phone where the harness
can, listed as proxy bypasses where not).  ``upstream_ca`` (a PEM bundle) replaces certifi as what
the proxy trusts upstream: ``harness.capture.session`` gives it the phone's own system CAs plus
certifi, so the proxy accepts the servers the phone would.

mitmproxy keeps one master per process (``mitmproxy.ctx``): a second proxy while one runs is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import CaptureError

log = logging.getLogger(__name__)

CA_FILE = "mitmproxy-ca-cert.pem"
_ONE_PER_PROCESS = threading.Lock()


class _Ready:
    """Addon that reports the bound address once the servers listen."""

    def __init__(self, proxy: MitmProxy) -> None:
        self._proxy = proxy

    def running(self) -> None:
        from mitmproxy import ctx

        server: Any = ctx.master.addons.get("proxyserver")  # type: ignore[no-untyped-call]
        addrs = server.listen_addrs() if server is not None else []
        self._proxy._listening(int(addrs[0][1]) if addrs else None)


def _after_shutdown(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's handler outside ``master.run()``: connections cut by the shutdown are no error."""
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    log.debug("proxy: %s", context.get("message"), exc_info=context.get("exception"))


class MitmProxy:
    """One in-process mitmproxy (see the module docstring)."""

    def __init__(self, confdir: Path, *, addons: Sequence[object] = (), upstream_ca: Path | None = None,
                 listen_host: str = "127.0.0.1") -> None:
        self.confdir = confdir
        self._addons = list(addons)
        self._upstream_ca = upstream_ca
        self._listen_host = listen_host
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._master: object | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._held = False
        self.port: int | None = None

    @property
    def ca_pem(self) -> Path:
        return self.confdir / CA_FILE

    def start(self, timeout: float = 30.0) -> int:
        """Start listening; the port.  Raises ``CaptureError`` when it cannot."""
        if not _ONE_PER_PROCESS.acquire(blocking=False):
            raise CaptureError("a mitmproxy already runs in this process (mitmproxy allows one per process)")
        self._held = True
        self.confdir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._main, name="harness-mitmproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise CaptureError(f"mitmproxy did not start listening within {timeout:g} s")
        if self.port is None:
            error = self._error
            self.stop()
            raise CaptureError(f"mitmproxy could not start: {error or 'it listens nowhere'}")
        log.info("proxy: listening on %s:%d (CA %s)", self._listen_host, self.port, self.ca_pem)
        return self.port

    def _listening(self, port: int | None) -> None:
        self.port = port
        self._ready.set()

    def _main(self) -> None:
        quiet = logging.getLogger("mitmproxy")
        level = quiet.level
        # its per-connection notes and TLS warnings are the run's events (FlowRecorder), not the user's news
        quiet.setLevel(logging.ERROR)
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # SystemExit from mitmproxy's startup check included
            log.debug("proxy thread ended with %r", exc)
            self._error = exc
        finally:
            quiet.setLevel(level)
            self._ready.set()

    async def _serve(self) -> None:
        from mitmproxy import options
        from mitmproxy.tools.dump import DumpMaster

        opts = options.Options(confdir=str(self.confdir))
        master = DumpMaster(opts, with_termlog=False, with_dumper=False)
        master.addons.add(*self._addons, _Ready(self))  # type: ignore[no-untyped-call]
        settings: dict[str, Any] = {"listen_host": self._listen_host, "listen_port": 0, "mode": ["regular"],
                                    "http3": False}
        if self._upstream_ca is not None:
            settings["ssl_verify_upstream_trusted_ca"] = str(self._upstream_ca)
        opts.update(**settings)  # type: ignore[no-untyped-call]
        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(_after_shutdown)
        self._master = master
        await master.run()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the proxy (idempotent); requests in flight are cut."""
        master, thread = self._master, self._thread
        if master is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop has ended meanwhile
                master.shutdown()  # type: ignore[attr-defined]
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("proxy: mitmproxy did not stop within %g s", timeout)
        self._thread = None
        if self._held:
            self._held = False
            _ONE_PER_PROCESS.release()
