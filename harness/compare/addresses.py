"""Which IP address a host name went to, from what the hooks saw in the run.

A request hooked above the socket (``http.request``, a TLS write of some stacks) names its host but
not the address; the process resolved it (``net.dns``: ``value`` is the comma-separated answer) or
connected to it (``net.connect`` with both host and IP) just before.  The address of an event is
its own ``dest.ip``, else the latest answer for its host in the same process at or before it, else
the latest in the same process, else the latest anywhere in the run.  A host the phone never
resolved (behind a proxy, an SNI-only event) has no address: its country is "unknown", never guessed.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable

from harness.events import Event

#: Addresses kept per (host, pid): a process resolving one name this often is already well covered.
_MAX_PER_HOST = 1000


def _address(text: str) -> str | None:
    text = text.strip().strip("[]")
    try:
        return str(ipaddress.ip_address(text.split("%", 1)[0]))
    except ValueError:
        return None


class AddressBook:
    """Host name -> IP answers seen in a run, looked up per event."""

    def __init__(self) -> None:
        # (host, pid) -> parallel lists of timestamps and addresses, in the order seen
        self._seen: dict[tuple[str, int | None], tuple[list[float], list[str]]] = {}

    def add(self, host: str, ip: str, ts: float, pid: int) -> None:
        for key in ((host, pid), (host, None)):
            times, ips = self._seen.setdefault(key, ([], []))
            if len(times) >= _MAX_PER_HOST:
                continue
            if times and ts < times[-1]:  # events come in id order; a late clock goes last, as seen
                ts = times[-1]
            times.append(ts)
            ips.append(ip)

    def learn(self, event: Event) -> None:
        """Take the answers an event shows (a resolution, or a connect naming host and address)."""
        dest = event.dest
        if dest is None or not dest.host:
            return
        host = dest.host.lower().rstrip(".")
        if event.kind == "net.dns" and event.value:
            for part in event.value.split(","):
                ip = _address(part)
                if ip is not None:
                    self.add(host, ip, event.ts, event.pid)
        elif dest.ip and _address(dest.ip) and _address(host) is None:
            self.add(host, str(_address(dest.ip)), event.ts, event.pid)

    def ip_of(self, event: Event) -> str | None:
        dest = event.dest
        if dest is None:
            return None
        if dest.ip:
            return _address(dest.ip)
        if not dest.host:
            return None
        host = dest.host.lower().rstrip(".")
        literal = _address(host)
        if literal is not None:
            return literal
        for key in ((host, event.pid), (host, None)):
            seen = self._seen.get(key)
            if seen is None:
                continue
            times, ips = seen
            index = bisect_right(times, event.ts)
            return ips[index - 1] if index else ips[-1]  # resolved later: still that host's address
        return None

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> AddressBook:
        book = cls()
        for event in events:
            book.learn(event)
        return book
