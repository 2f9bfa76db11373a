"""Offline IP address -> country and network owner, for the destinations of a report.

    geo = GeoDb.bundled()                               # or GeoDb.load(Path("GeoLite2-Country.mmdb"), ...)
    place = geo.lookup("8.8.8.8")                       # Place(country="US", asn=15169, network="Google LLC")
    country_name(place.country), geo.source.date        # "United States", "2026-06-17"

``GeoDb.load(*paths)`` takes one or more MaxMind DB (.mmdb) files, e.g. a country database and an ASN
database (the CLI's repeatable ``--geoip FILE``).  For each address the files are asked in the order
given: the country comes from the first file that has one, the AS number and owner from the first
file that has them.  Record shapes read: GeoLite2/GeoIP2 and DB-IP lite Country and City
(``country.iso_code``, else ``registered_country.iso_code``), GeoLite2-ASN and GeoIP2-ISP
(``autonomous_system_number``, ``autonomous_system_organization``, also under ``traits``) and
ip-location-db (``country_code``).  The bundled data (``data/``, see its NOTICE; its date and licence
come from ``data/geoip.json``) is ip-location-db's country database and its ASN list.

A user's database is asked first, so that a test database may place even a loopback range in a
country; an address it has no country for is "local" when it is private, loopback, link-local,
carrier-grade NAT, unique-local, multicast or unspecified, and otherwise "unknown": never a guess.
The bundled data answers for globally routable addresses only: it places 192.168.0.0/16 and
172.16.0.0/12 in AU and 2001:db8::/32 (documentation) in JP, errors of its RIR sources.  IPv4-mapped
(``::ffff:a.b.c.d``) and NAT64 (``64:ff9b::a.b.c.d``, RFC 6052) addresses are looked up as the IPv4
address they carry.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import itertools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import maxminddb
from maxminddb.errors import InvalidDatabaseError

from harness.errors import ConfigError, HarnessError

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_MAX_INPUT = 128  # longer than any address with a zone: not an address
_MAX_CACHED = 1 << 16
_SAMPLE = 256  # records read at load to tell whether a file has a shape we know
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "fe80::/10", "fec0::/10", "fc00::/7", "ff00::/8",
    )
)
_LICENCES = (  # database_type prefix of a user's file -> its usual licence (for the report's source line)
    ("GeoLite2", "MaxMind GeoLite2 End User License Agreement"),
    ("GeoIP2", "MaxMind commercial licence"),
    ("DBIP-", "DB-IP licence (the lite editions: CC BY 4.0, IP Geolocation by DB-IP, db-ip.com)"),
)


@dataclass(frozen=True)
class Place:
    """Where an IP address is: ``country`` is an ISO 3166-1 alpha-2 code, "local" (private, loopback,
    link-local, carrier-grade NAT, unique-local v6 ...) or "unknown" (no address, or the database has no answer)."""

    country: str
    asn: int | None = None
    network: str | None = None  # the network owner's name (AS organisation), when the data has it


@dataclass(frozen=True)
class GeoSource:
    """What answered: shown in every report, since geolocation data ages."""

    name: str  # e.g. "ip-location-db geo-whois-asn-country + asn (bundled)" or the user's file path
    licence: str
    date: str  # the data's date (YYYY-MM-DD or YYYY-MM), or "unknown"


_UNKNOWN = Place("unknown")
_LOCAL_PLACE = Place("local")


def _country(record: Mapping[str, Any]) -> str | None:
    for key in ("country", "registered_country"):
        sub = record.get(key)
        if isinstance(sub, Mapping):
            code = sub.get("iso_code")
            if isinstance(code, str) and _COUNTRY.fullmatch(code):
                return code.upper()
    code = record.get("country_code")
    return code.upper() if isinstance(code, str) and _COUNTRY.fullmatch(code) else None


def _owner(record: Mapping[str, Any]) -> tuple[int | None, str | None]:
    for holder in (record, record.get("traits")):
        if not isinstance(holder, Mapping):
            continue
        number, org = holder.get("autonomous_system_number"), holder.get("autonomous_system_organization")
        asn = number if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 1 << 32 else None
        name = (org.strip() or None) if isinstance(org, str) else None
        if asn is not None or name is not None:
            return asn, name
    return None, None


class Database(Protocol):
    """One source of records: ``get`` returns the record for an address, or None."""

    def get(self, address: Address) -> Mapping[str, Any] | None: ...


class _File:
    """One opened .mmdb file."""

    def __init__(self, path: Path, *, public_only: bool = False) -> None:
        self.path = path
        self.public_only = public_only
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory, not a MaxMind DB file")
        try:
            size = path.stat().st_size
            self.reader = maxminddb.open_database(str(path))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        except (InvalidDatabaseError, ValueError, TypeError) as exc:
            what = "an empty file" if size == 0 else f"{size} bytes, no valid MaxMind DB metadata"
            raise ConfigError(f"{path}: not a MaxMind DB file ({what})") from exc
        try:
            self._check_shape()
        except ConfigError:
            self.reader.close()
            raise
        meta = self.reader.metadata()
        self.ip_version = meta.ip_version
        self.database_type = str(meta.database_type)
        epoch = meta.build_epoch
        self.date = (
            datetime.datetime.fromtimestamp(epoch, datetime.UTC).date().isoformat()
            if isinstance(epoch, int) and 0 < epoch < 1 << 40 else "unknown"
        )

    def _check_shape(self) -> None:
        keys: set[str] = set()
        try:
            for _network, record in itertools.islice(self.reader, _SAMPLE):
                if isinstance(record, Mapping):
                    if _country(record) or _owner(record) != (None, None):
                        return
                    keys.update(ascii(str(k)[:40])[1:-1] for k in record)  # the file's text, shown safely
        except (InvalidDatabaseError, ValueError, TypeError) as exc:
            raise ConfigError(f"{self.path}: a damaged MaxMind DB file ({exc})") from exc
        seen = ", ".join(sorted(keys)[:8]) or "no networks with a map record"
        raise ConfigError(
            f"{self.path}: no country or AS number in its records (saw: {seen}); expected a GeoLite2/GeoIP2 "
            "or DB-IP Country, City or ASN database, or an ip-location-db one")

    def get(self, address: Address) -> Mapping[str, Any] | None:
        if (self.ip_version == 4 and address.version == 6) or (self.public_only and not address.is_global):
            return None
        try:
            record = self.reader.get(address)
        except (InvalidDatabaseError, ValueError) as exc:
            raise ConfigError(f"{self.path}: a damaged MaxMind DB file ({exc})") from exc
        return record if isinstance(record, Mapping) else None

    def licence(self) -> str:
        for prefix, licence in _LICENCES:
            if self.database_type.startswith(prefix):
                return licence
        return "unknown (user-supplied file)"


def _address(ip: object) -> Address | None:
    """The address to look up (an IPv4 one for a mapped or NAT64 IPv6 address), or None when ``ip`` is none."""
    if not isinstance(ip, str) or len(ip) > _MAX_INPUT:
        return None
    text = ip.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text, percent, zone = text.partition("%")  # a zone: fe80::1%wlan0
    if percent and not zone:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


class GeoDb:
    """IP address -> ``Place`` from one or more MaxMind DB files; answers are cached per instance."""

    def __init__(self, files: Sequence[Database], source: GeoSource) -> None:
        self._files = tuple(files)
        self.source = source
        self._cache: dict[Address, Place] = {}

    @classmethod
    def bundled(cls) -> GeoDb:
        """The data shipped in the package (opened once per process)."""
        return _bundled()

    @classmethod
    def load(cls, *paths: Path) -> GeoDb:
        """A user's MaxMind-format database(s), asked in the order given; ``ConfigError`` names a bad file."""
        if not paths:
            raise ConfigError("no GeoIP database file given")
        files = [_File(Path(p)) for p in paths]
        dates = [f.date for f in files if f.date != "unknown"]
        source = GeoSource(
            name=" + ".join(f"{f.path} ({f.database_type})" for f in files),
            licence="; ".join(dict.fromkeys(f.licence() for f in files)),
            date=min(dates) if len(dates) == len(files) else "unknown",  # the oldest: the data is that old
        )
        log.debug("GeoIP: %s, data of %s", source.name, source.date)
        return cls(files, source)

    def lookup(self, ip: str | None) -> Place:
        """Where ``ip`` is; anything that is not an IP address is "unknown"."""
        address = _address(ip)
        if address is None:
            return _UNKNOWN
        place = self._cache.get(address)
        if place is None:
            place = self._ask(address)
            if len(self._cache) < _MAX_CACHED:
                self._cache[address] = place
        return place

    def _ask(self, address: Address) -> Place:
        country: str | None = None
        asn: int | None = None
        network: str | None = None
        for file in self._files:
            record = file.get(address)
            if record is None:
                continue
            country = country or _country(record)
            if asn is None and network is None:
                asn, network = _owner(record)
            if country and (asn is not None or network is not None):
                break
        if country is None:
            country = "local" if any(address in net for net in _LOCAL) else "unknown"
        if country == "local" and asn is None and network is None:
            return _LOCAL_PLACE
        return Place(country, asn, network)


def _data() -> Path:
    return Path(str(resources.files("harness.compare").joinpath("data")))


@functools.cache
def _bundled() -> GeoDb:
    meta_path = _data() / "geoip.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        source = GeoSource(str(meta["name"]), str(meta["licence"]), str(meta["date"]))
        files = [_File(_data() / str(name), public_only=True) for name in meta["files"]]
    except (OSError, ValueError, KeyError, TypeError, ConfigError) as exc:
        raise HarnessError(
            f"the bundled GeoIP data is broken ({exc}); reinstall the harness, or rebuild it with "
            "scripts/update_geoip.py") from exc
    log.debug("GeoIP: %s, data of %s", source.name, source.date)
    return GeoDb(files, source)


@functools.cache
def _country_names() -> dict[str, str]:
    raw = json.loads((_data() / "country-names.json").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in raw["names"].items()}


def country_name(code: str) -> str:
    """English name of an ISO 3166-1 alpha-2 code ("DE" -> "Germany"); "local" -> "local network",
    "unknown" (or empty) -> "unknown"; a code the list lacks is returned as it is."""
    if code == "local":
        return "local network"
    if not code or code == "unknown":
        return "unknown"
    return _country_names().get(code.upper(), code)
