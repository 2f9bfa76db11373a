"""Who received the data: registrable domain, first or third party, known tracker.

The registrable domain comes from the Public Suffix List bundled in the ``publicsuffixlist``
package, used offline (its updater needs the internet and rewrites the installed file, so it is
never called).  First party is either declared (the scenario's first-party domains) or guessed from
the package name: ``com.example.messenger`` makes ``example.<any suffix>`` first party.  Trackers
come from ``harness/detect/data/trackers.json`` (see the NOTICE there) or a list the user supplies.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from harness.errors import DetectError

log = logging.getLogger(__name__)

_DOMAIN = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
_GENERIC_PACKAGE_LABELS = frozenset({"android", "app", "apps", "mobile"})


@dataclass(frozen=True)
class Tracker:
    """A known tracker domain's owner and category, and which list said so."""

    organisation: str
    category: str
    source: str


@dataclass(frozen=True)
class Destination:
    """Classification of one host for one app."""

    host: str | None
    registrable_domain: str | None
    party: str | None  # "first" | "third" | None when unknown (no host)
    tracker: Tracker | None


class TrackerDb:
    """Domain -> ``Tracker``; a host matches its own entry or that of any parent domain."""

    def __init__(self, domains: dict[str, Tracker]) -> None:
        self._domains = domains

    def __len__(self) -> int:
        return len(self._domains)

    def lookup(self, host: str) -> Tracker | None:
        labels = host.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            tracker = self._domains.get(".".join(labels[i:]))
            if tracker is not None:
                return tracker
        return None

    @classmethod
    def bundled(cls) -> TrackerDb:
        """WhoTracks.me (with organisations) over EasyPrivacy domains; sources in data/NOTICE."""
        data = resources.files("harness.detect").joinpath("data")
        easyprivacy = cls.from_domain_lines(
            data.joinpath("easyprivacy-domains.txt").read_text(encoding="utf-8"), "easyprivacy", "bundled list")
        whotracksme = cls.from_json_text(data.joinpath("trackers.json").read_text(encoding="utf-8"), "bundled list")
        return cls({**easyprivacy._domains, **whotracksme._domains})

    @classmethod
    def from_json_text(cls, text: str, origin: str) -> TrackerDb:
        """The converter's format: {"sources": {...}, "domains": {domain: [organisation, category, source]}}."""
        try:
            raw = json.loads(text)
            domains = {
                str(domain).lower(): Tracker(str(org), str(category), str(source))
                for domain, (org, category, source) in raw["domains"].items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DetectError(f"{origin}: not a tracker list in the harness format: {exc}") from exc
        return cls(domains)

    @classmethod
    def load(cls, path: Path) -> TrackerDb:
        """A user-supplied list: the JSON format, or text with one domain (or ``||domain^`` rule) a line."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DetectError(f"{path}: cannot read tracker list: {exc}") from exc
        if text.lstrip().startswith("{"):
            return cls.from_json_text(text, str(path))
        return cls.from_domain_lines(text, path.name, str(path))

    @classmethod
    def from_domain_lines(cls, text: str, source: str, origin: str) -> TrackerDb:
        """One domain or ``||domain^`` rule a line; '#' and '!' start comments, other rules are skipped."""
        domains: dict[str, Tracker] = {}
        for raw_line in text.splitlines():
            line = raw_line.strip()
            if line.startswith("||"):
                line = line[2:].removesuffix("$third-party").removesuffix("^")
            if not line or line.startswith(("#", "!", "[")) or not _DOMAIN.fullmatch(line):
                continue
            domains[line.lower()] = Tracker("", "tracking", source)
        if not domains:
            raise DetectError(f"{origin}: no tracker domains found (expected JSON or one domain a line)")
        return cls(domains)


class Destinations:
    """Classifies hosts; ``first_party`` domains are declared by the scenario, else guessed."""

    def __init__(self, trackers: TrackerDb | None = None, first_party: Iterable[str] = (),
                 package: str | None = None) -> None:
        self._psl = PublicSuffixList()
        self._trackers = trackers if trackers is not None else TrackerDb({})
        self._first_party = tuple(domain.lower().strip(".") for domain in first_party)
        self._package = package
        self._cache: dict[tuple[str, str | None], Destination] = {}

    def registrable_domain(self, host: str) -> str:
        host = host.lower().rstrip(".")
        try:
            ipaddress.ip_address(host.strip("[]"))
            return host
        except ValueError:
            pass
        return self._psl.privatesuffix(host) or host

    def classify(self, host: str | None, process: str | None = None) -> Destination:
        if not host:
            return Destination(None, None, None, None)
        key = (host, process)
        cached = self._cache.get(key)
        if cached is None:
            domain = self.registrable_domain(host)
            party = "first" if self._is_first_party(host.lower(), domain, process) else "third"
            cached = Destination(host, domain, party, self._trackers.lookup(host))
            self._cache[key] = cached
        return cached

    def _is_first_party(self, host: str, domain: str, process: str | None) -> bool:
        if self._first_party:
            return any(host == d or host.endswith("." + d) for d in self._first_party)
        package = self._package or process
        if not package or "." not in package:
            return False
        # reverse-DNS package names put the organisation second: com.example.messenger -> example
        organisation = package.split(":")[0].split(".")[1].lower()
        if organisation in _GENERIC_PACKAGE_LABELS:
            return False
        suffix = self._psl.publicsuffix(domain) or ""
        name = domain[: -len(suffix) - 1] if suffix and domain.endswith("." + suffix) else domain
        return name.split(".")[-1] == organisation
