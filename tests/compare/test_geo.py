"""harness.compare.geo: IP -> country / network owner from .mmdb files (written here) and the bundled data."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mmdb_writer import MMDBWriter
from netaddr import IPNetwork, IPRange, IPSet

from harness.compare.geo import GeoDb, GeoSource, Place, country_name
from harness.errors import ConfigError

DATA = Path(__file__).resolve().parents[2] / "harness" / "compare" / "data"
EPOCH = int(datetime.datetime(2025, 3, 4, 12, tzinfo=datetime.UTC).timestamp())

# The record shapes of the databases a user may give (as their vendors write them, trimmed).
GEOLITE2_COUNTRY = {
    "continent": {"code": "EU", "geoname_id": 6255148, "names": {"en": "Europe"}},
    "country": {"geoname_id": 2921044, "is_in_european_union": True, "iso_code": "DE", "names": {"en": "Germany"}},
    "registered_country": {"geoname_id": 2921044, "iso_code": "DE", "names": {"en": "Germany"}},
}
GEOLITE2_CITY = {
    "city": {"geoname_id": 2988507, "names": {"en": "Paris"}},
    "country": {"iso_code": "FR", "names": {"en": "France"}},
    "location": {"latitude": 48.8, "longitude": 2.3, "accuracy_radius": 20},
    "registered_country": {"iso_code": "FR", "names": {"en": "France"}},
}
REGISTERED_ONLY = {"registered_country": {"iso_code": "se", "names": {"en": "Sweden"}}}  # e.g. anycast ranges
GEOLITE2_ASN = {"autonomous_system_number": 64500, "autonomous_system_organization": "Example Networks"}
GEOIP2_TRAITS = {"country": {"iso_code": "NO"}, "traits": {"autonomous_system_number": 64501,
                                                          "autonomous_system_organization": "Fjord Net"}}
DBIP_LITE = {
    "continent": {"code": "AS", "geoname_id": 6255147, "names": {"en": "Asia"}},
    "country": {"geoname_id": 1861060, "is_in_european_union": False, "iso_code": "JP", "names": {"en": "Japan"}},
}
IP_LOCATION_DB = {"country_code": "CN"}


class _Writer(MMDBWriter):
    def _build_meta(self) -> dict[str, Any]:
        return {**super()._build_meta(), "build_epoch": EPOCH}


def write_mmdb(path: Path, entries: list[tuple[str, Any]], *, ip_version: int = 6,
               database_type: str = "GeoIP") -> Path:
    """A .mmdb placing each network ("a.b.c.d/n" or "first-last") on its record."""
    writer = _Writer(ip_version=ip_version, ipv4_compatible=ip_version == 6, database_type=database_type,
                     int_type="u32")
    for network, record in entries:
        first, _, last = network.partition("-")
        writer.insert_network(IPSet(IPRange(first, last)) if last else IPSet([IPNetwork(network)]), record)
    writer.to_db_file(str(path))
    return path


# --- a user's database, each shape ---------------------------------------------------------------


def test_geolite2_country_v4_v6_and_mapped(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "c.mmdb", [("81.0.0.0/8", GEOLITE2_COUNTRY),
                                                     ("2a01:100::/32", GEOLITE2_COUNTRY)],
                               database_type="GeoLite2-Country"))
    assert db.lookup("81.2.3.4") == Place("DE")
    assert db.lookup("2a01:100:1::5") == Place("DE")
    assert db.lookup("::ffff:81.2.3.4") == Place("DE")
    assert db.lookup("::FFFF:5102:0304") == Place("DE")  # the same mapped address, in hex
    assert db.lookup("82.0.0.1") == Place("unknown")
    assert db.lookup("2a01:101::1") == Place("unknown")
    assert db.source.licence.startswith("MaxMind GeoLite2")
    assert db.source.date == "2025-03-04"
    assert str(tmp_path / "c.mmdb") in db.source.name and "GeoLite2-Country" in db.source.name


def test_range_boundaries(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "r.mmdb", [("198.51.100.10-198.51.100.20", IP_LOCATION_DB),
                                                     ("2001:db8::-2001:db8::ff", IP_LOCATION_DB)]))
    assert db.lookup("198.51.100.9").country == "unknown"
    assert db.lookup("198.51.100.10").country == "CN"
    assert db.lookup("198.51.100.20").country == "CN"
    assert db.lookup("198.51.100.21").country == "unknown"
    assert db.lookup("2001:db8::ff").country == "CN"
    assert db.lookup("2001:db8::100").country == "unknown"


@pytest.mark.parametrize(("record", "database_type", "expected"), [
    (GEOLITE2_CITY, "GeoLite2-City", Place("FR")),
    (REGISTERED_ONLY, "GeoLite2-Country", Place("SE")),
    (DBIP_LITE, "DBIP-Country-Lite", Place("JP")),
    (IP_LOCATION_DB, "country", Place("CN")),
    (GEOLITE2_ASN, "GeoLite2-ASN", Place("unknown", 64500, "Example Networks")),
    (GEOIP2_TRAITS, "GeoIP2-Enterprise", Place("NO", 64501, "Fjord Net")),
])
def test_record_shapes(tmp_path: Path, record: dict[str, Any], database_type: str, expected: Place) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "s.mmdb", [("45.0.0.0/8", record)], database_type=database_type))
    assert db.lookup("45.6.7.8") == expected


def test_dbip_lite_names_its_licence(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "d.mmdb", [("45.0.0.0/8", DBIP_LITE)], database_type="DBIP-Country-Lite"))
    assert "CC BY 4.0" in db.source.licence and "DB-IP" in db.source.licence


def test_ipv4_only_database_answers_nothing_for_ipv6(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "v4.mmdb", [("45.0.0.0/8", IP_LOCATION_DB)], ip_version=4))
    assert db.lookup("45.0.0.1").country == "CN"
    assert db.lookup("::ffff:45.0.0.1").country == "CN"
    assert db.lookup("2a00::1") == Place("unknown")
    assert db.lookup("fd00::1") == Place("local")


def test_database_first_then_local(tmp_path: Path) -> None:
    # The product's own tests place the virtual phone's collectors (127.100.X.Y) in a chosen country.
    db = GeoDb.load(write_mmdb(tmp_path / "t.mmdb", [("127.100.0.0/16", IP_LOCATION_DB)]))
    assert db.lookup("127.100.0.1") == Place("CN")
    assert db.lookup("127.100.255.255") == Place("CN")
    assert db.lookup("127.101.0.0") == Place("local")
    assert db.lookup("127.0.0.1") == Place("local")
    assert db.lookup("10.1.2.3") == Place("local")
    assert db.lookup("172.16.0.1") == Place("local")
    assert db.lookup("192.168.1.1") == Place("local")
    assert db.lookup("169.254.1.1") == Place("local")
    assert db.lookup("100.64.1.1") == Place("local")
    assert db.lookup("100.127.255.255") == Place("local")
    assert db.lookup("100.128.0.0") == Place("unknown")  # just past carrier-grade NAT: public
    assert db.lookup("224.0.0.251") == Place("local")
    assert db.lookup("0.0.0.0") == Place("local")
    assert db.lookup("::") == Place("local")
    assert db.lookup("[::1]") == Place("local")
    assert db.lookup("fe80::1%wlan0") == Place("local")
    assert db.lookup("fd12:3456::1") == Place("local")
    assert db.lookup("ff02::fb") == Place("local")
    assert db.lookup("::ffff:127.100.0.1") == Place("CN")
    assert db.lookup("8.8.8.8") == Place("unknown")
    assert db.lookup("2a00:1450::1") == Place("unknown")


def test_nat64_addresses_are_looked_up_as_their_ipv4(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "n.mmdb", [("45.0.0.0/8", IP_LOCATION_DB)]))
    assert db.lookup("64:ff9b::2d01:0203").country == "CN"
    assert db.lookup("64:ff9b::10.0.0.1").country == "local"


def test_country_and_asn_files_combined_in_order(tmp_path: Path) -> None:
    country = write_mmdb(tmp_path / "country.mmdb", [("45.0.0.0/8", GEOLITE2_COUNTRY)],
                         database_type="GeoLite2-Country")
    asn = write_mmdb(tmp_path / "asn.mmdb", [("45.1.0.0/16", GEOLITE2_ASN), ("46.0.0.0/8", GEOLITE2_ASN)],
                     database_type="GeoLite2-ASN")
    other = write_mmdb(tmp_path / "other.mmdb", [("45.0.0.0/8", IP_LOCATION_DB)])
    db = GeoDb.load(country, asn)
    assert db.lookup("45.1.2.3") == Place("DE", 64500, "Example Networks")
    assert db.lookup("45.2.0.1") == Place("DE")
    assert db.lookup("46.0.0.1") == Place("unknown", 64500, "Example Networks")
    assert str(country) in db.source.name and str(asn) in db.source.name
    assert db.source.licence == "MaxMind GeoLite2 End User License Agreement"
    # the first file with a country wins
    assert GeoDb.load(other, country).lookup("45.1.2.3").country == "CN"
    assert GeoDb.load(country, other).lookup("45.1.2.3").country == "DE"


def test_unusable_values_are_not_countries(tmp_path: Path) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "b.mmdb", [
        ("45.0.0.0/8", IP_LOCATION_DB),
        ("46.0.0.0/8", {"country_code": "Germany"}),
        ("47.0.0.0/8", {"country_code": 49, "autonomous_system_number": "x", "autonomous_system_organization": " "}),
        ("48.0.0.0/8", {"country": {"iso_code": "--"}, "registered_country": {"iso_code": "at"}}),
    ]))
    assert db.lookup("46.0.0.1") == Place("unknown")
    assert db.lookup("47.0.0.1") == Place("unknown")
    assert db.lookup("48.0.0.1") == Place("AT")


# --- bad files -------------------------------------------------------------------------------------


def _config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        GeoDb.load(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mmdb"
    path.write_bytes(b"\x00\xffnot a database\n" * 100)
    assert "not a MaxMind DB file" in _config_error(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mmdb"
    path.write_bytes(b"")
    assert "empty" in _config_error(path)


def test_directory(tmp_path: Path) -> None:
    assert "directory" in _config_error(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _config_error(tmp_path / "nope.mmdb")


def test_database_of_another_kind(tmp_path: Path) -> None:
    path = write_mmdb(tmp_path / "anon.mmdb", [("45.0.0.0/8", {"is_anonymous": True, "is_tor_exit_node": False})],
                      database_type="GeoIP2-Anonymous-IP")
    message = _config_error(path)
    assert "no country or AS number" in message and "is_anonymous" in message


def test_database_without_networks(tmp_path: Path) -> None:
    assert "no country or AS number" in _config_error(write_mmdb(tmp_path / "none.mmdb", []))


def test_truncated_database(tmp_path: Path) -> None:
    path = write_mmdb(tmp_path / "cut.mmdb", [("45.0.0.0/8", IP_LOCATION_DB)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # the metadata at the end is gone
    assert "not a MaxMind DB file" in _config_error(path)


def test_load_needs_a_file() -> None:
    with pytest.raises(ConfigError):
        GeoDb.load()


# --- hostile inputs ---------------------------------------------------------------------------------

HOSTILE = [None, "", " ", "x", "999.1.1.1", "::ffff:999.1.1.1", "1.2.3.4\x00", "\x00", "1.2.3.4/24", "1.2.3.4:443",
           "a" * 100_000, "1" * 100_000, "[" * 1000, "%%%", "fe80::1%", "[]", "::ffff:", "1.2.3", "01.2.3.4",
           "\u0661.\u0662.\u0663.\u0664", "1.2.3.4\n5.6.7.8", "::1::1", "g::1", "[1.2.3.4", 12345]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t)[:20])
def test_hostile_inputs_are_unknown(tmp_path: Path, text: Any) -> None:
    db = GeoDb.load(write_mmdb(tmp_path / "h.mmdb", [("0.0.0.0/0", IP_LOCATION_DB)]))
    assert db.lookup(text) == Place("unknown")
    assert GeoDb.bundled().lookup(text) == Place("unknown")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.ip_addresses().map(str))
def test_lookup_never_raises(text: str) -> None:
    place = GeoDb.bundled().lookup(text)
    assert place.country in ("local", "unknown") or re.fullmatch(r"[A-Z]{2}", place.country)


# --- the bundled data -------------------------------------------------------------------------------


@pytest.mark.parametrize(("ip", "country", "asn"), [
    ("8.8.8.8", "US", 15169),                # Google Public DNS
    ("2001:4860:4860::8888", "US", 15169),
    ("193.0.6.139", "NL", 3333),             # RIPE NCC, Amsterdam
    ("2001:67c:2e8::1", "NL", 3333),
    ("194.25.0.60", "DE", 3320),             # Deutsche Telekom
    ("2003::1", "DE", 3320),
    ("202.12.29.1", "AU", 4608),             # APNIC, Brisbane
    ("200.160.0.1", "BR", 22548),            # NIC.br
    ("133.11.0.1", "JP", 2501),              # University of Tokyo
    ("::ffff:194.25.0.60", "DE", 3320),
])
def test_bundled_well_known_addresses(ip: str, country: str, asn: int) -> None:
    place = GeoDb.bundled().lookup(ip)
    assert place.country == country
    assert place.asn == asn
    assert place.network


def test_bundled_local_and_special_addresses() -> None:
    geo = GeoDb.bundled()
    for ip in ("127.0.0.1", "::1", "10.0.0.1", "100.64.0.1", "fe80::1", "fd00::1"):
        assert geo.lookup(ip) == Place("local"), ip
    # the bundled country data places these in AU and JP (errors of its sources): not answered
    assert geo.lookup("192.168.1.1") == Place("local")
    assert geo.lookup("172.16.0.1") == Place("local")
    assert geo.lookup("198.51.100.1") == Place("unknown")
    assert geo.lookup("2001:db8::1") == Place("unknown")


def test_bundled_source_matches_its_notice_and_files() -> None:
    meta = json.loads((DATA / "geoip.json").read_text(encoding="utf-8"))
    source = GeoDb.bundled().source
    assert source == GeoSource(meta["name"], meta["licence"], meta["date"])
    assert "CC BY 4.0" in source.licence and "(bundled)" in source.name
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.date)
    notice = (DATA / "NOTICE").read_text(encoding="utf-8")
    assert f"Data date: {source.date}" in notice
    for package in meta["packages"]:
        assert f"{package['name']} {package['version']}" in notice
    for name, digest in meta["sha256"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, f"{name} differs from geoip.json"
    assert GeoDb.bundled() is GeoDb.bundled()


def test_country_name() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("de") == "Germany"
    assert country_name("US") == "United States"
    assert country_name("KR") == "South Korea"
    assert country_name("XK") == "Kosovo"
    assert country_name("local") == "local network"
    assert country_name("unknown") == "unknown"
    assert country_name("") == "unknown"
    assert country_name("QQ") == "QQ"
    names = json.loads((DATA / "country-names.json").read_text(encoding="utf-8"))["names"]
    assert len(names) >= 249
