#!/usr/bin/env python3
"""Rebuild the IP -> country / network owner data bundled in harness/compare/data/.

Sources (all fetched from the npm registry with ``npm pack``; see harness/compare/data/NOTICE):
  * ``@ip-location-db/geo-whois-asn-country-mmdb``: IPv4+IPv6 -> country, MaxMind DB format.
    Its ``geo-whois-asn-country.mmdb`` is copied unchanged.
  * ``@ip-location-db/asn``: IP range -> AS number and organisation, CSV. Converted here into
    ``ip-location-db-asn.mmdb`` with GeoLite2-ASN-shaped records
    (``autonomous_system_number``, ``autonomous_system_organization``).
  * Country names: Debian's ``iso-codes`` (``/usr/share/iso-codes/json/iso_3166-1.json``), if installed
    (``apt-get install iso-codes``); otherwise the bundled ``country-names.json`` is kept.

The data's date is taken from the country database's build time and the packages' versions (their
last part is YYYYMMDDHH); it is written into ``geoip.json`` (which the harness reads) and into NOTICE.
The conversion is deterministic: the same package versions give the same files, byte for byte.

Usage (from the repository root, with the dev extras installed: ``pip install -e '.[dev]'``):
    python scripts/update_geoip.py                      # the newest versions on the registry
    python scripts/update_geoip.py --version 2.3.2026061719
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import maxminddb
from mmdb_writer import MMDBWriter
from netaddr import IPRange, IPSet

DATA = Path(__file__).resolve().parent.parent / "harness" / "compare" / "data"
COUNTRY_PKG = "@ip-location-db/geo-whois-asn-country-mmdb"
ASN_PKG = "@ip-location-db/asn"
COUNTRY_FILE = "geo-whois-asn-country.mmdb"
ASN_FILE = "ip-location-db-asn.mmdb"
NAMES_FILE = "country-names.json"
ISO_3166_1 = Path("/usr/share/iso-codes/json/iso_3166-1.json")
ISO_3166_3 = Path("/usr/share/iso-codes/json/iso_3166-3.json")
# Codes the RIRs use that ISO 3166-1 lists no longer (3166-3 has withdrawn ones) or never did.
EXTRA_NAMES = {"XK": "Kosovo", "EU": "European Union"}
LICENCE = "CC BY 4.0; data by NRO (nro.net), RouteViews (routeviews.org) and DB-IP (db-ip.com)"


class _Writer(MMDBWriter):
    """mmdb-writer with a fixed build time (the data's), so that a rebuild is byte-identical."""

    def __init__(self, build_epoch: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.build_epoch = build_epoch

    def _build_meta(self) -> dict[str, Any]:
        return {**super()._build_meta(), "build_epoch": self.build_epoch}


def npm_pack(spec: str, dest: Path) -> tuple[dict[str, Any], Path]:
    """``npm pack`` one package into dest and unpack it; returns npm's description and the folder."""
    out = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(dest), spec],
        check=True, capture_output=True, text=True,
    ).stdout
    info: dict[str, Any] = json.loads(out)[0]
    folder = dest / info["name"].replace("/", "+")
    with tarfile.open(dest / info["filename"]) as archive:
        archive.extractall(folder, filter="data")
    return info, folder / "package"


def version_date(version: str) -> str:
    """'2.3.2026061719' -> '2026-06-17' (ip-location-db versions end in YYYYMMDDHH)."""
    match = re.search(r"\.(\d{4})(\d{2})(\d{2})\d{2}$", version)
    if not match:
        raise SystemExit(f"cannot read a date from version {version!r}")
    return "-".join(match.groups())


def convert_asn(package: Path, target: Path, date: str) -> int:
    """The package's asn-ipv4.csv + asn-ipv6.csv (start,end,asn,org; inclusive) -> one IPv6 .mmdb."""
    epoch = int(datetime.datetime.fromisoformat(date).replace(tzinfo=datetime.UTC).timestamp())
    writer = _Writer(
        epoch, ip_version=6, ipv4_compatible=True, database_type="ip-location-db-ASN",
        languages=["en"], description={"en": f"ip-location-db asn (RouteViews, NRO, DB-IP), {date}"},
        int_type="u32",  # plain ints let the writer share one data record per (AS, organisation)
    )
    rows = 0
    for name in ("asn-ipv4.csv", "asn-ipv6.csv"):
        with (package / name).open(newline="", encoding="utf-8") as handle:
            for start, end, asn, org in csv.reader(handle):
                record = {"autonomous_system_number": int(asn), "autonomous_system_organization": org}
                writer.insert_network(IPSet(IPRange(start, end)), record)
                rows += 1
    writer.to_db_file(str(target))
    return rows


def country_names() -> dict[str, str] | None:
    """ISO 3166-1 alpha-2 -> English short name (iso-codes' common name where it has one)."""
    if not ISO_3166_1.is_file():
        return None
    names = {e["alpha_2"]: e.get("common_name", e["name"]) for e in json.loads(ISO_3166_1.read_text())["3166-1"]}
    if ISO_3166_3.is_file():
        for entry in json.loads(ISO_3166_3.read_text())["3166-3"]:
            code = entry.get("alpha_2")
            if code and code not in names:
                names[code] = entry["name"]
    for code, name in EXTRA_NAMES.items():
        names.setdefault(code, name)
    return dict(sorted(names.items()))


def iso_codes_version() -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "iso-codes"],
                              check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def write_notice(meta: dict[str, Any], licence_texts: dict[str, str], names_source: str) -> None:
    country, asn = meta["packages"]
    lines = [
        "IP -> country / network owner data bundled with the harness (harness/compare/data/)",
        "=" * 84,
        "",
        "Generated by scripts/update_geoip.py from the npm registry; rerun it to update (see its",
        "docstring).  Users can give their own MaxMind-format database instead with --geoip FILE.",
        f"Data date: {meta['date']}  (also in geoip.json, which the harness reads and shows in reports)",
        "",
        "CAUTION from the upstream README (both packages, this version): the data published to npm",
        "\"contains bugs resulting in incorrect data\", npm updates are deprecated, and users are asked",
        "to take the data from the project's GitHub releases instead.  This script takes npm's",
        "copy (the newest there); treat a single answer with care, and prefer a database of your own",
        "(--geoip) where accuracy matters.",
        "",
        COUNTRY_FILE,
        "-" * len(COUNTRY_FILE),
        f"Source:   npm package {country['name']} {country['version']}",
        f"          https://www.npmjs.com/package/{country['name']}  (https://github.com/sapics/ip-location-db)",
        f"          integrity {country['integrity']}",
        f"Content:  IPv4 + IPv6 -> ISO 3166-1 alpha-2 country (records {{country_code}}), {country['size']}.",
        "          Merged from GeoFeed, the five RIRs' WHOIS and their IP-ASN-country data.",
        "Changes:  none; the file is copied as published.",
        f"Licence:  the package.json declares \"{country['declared']}\", but the package's README and its",
        "          NRO_LICENSE file state that the data derives from NRO statistics licensed under",
        "          Creative Commons Attribution 4.0 International (CC BY 4.0),",
        "          https://creativecommons.org/licenses/by/4.0/ ; the harness treats it as CC BY 4.0.",
        "          Attribution: Number Resource Organization (nro.net); ip-location-db by sapics.",
        "",
        ASN_FILE,
        "-" * len(ASN_FILE),
        f"Source:   npm package {asn['name']} {asn['version']}, files asn-ipv4.csv and asn-ipv6.csv",
        f"          https://www.npmjs.com/package/{asn['name']}  (https://github.com/sapics/ip-location-db)",
        f"          integrity {asn['integrity']}",
        f"Content:  IP range -> AS number and AS organisation ({asn['rows']:,} ranges), {asn['size']}.",
        "Changes:  converted from CSV to MaxMind DB format with GeoLite2-ASN-shaped records",
        "          (autonomous_system_number, autonomous_system_organization); nothing else altered.",
        f"Licence:  \"{asn['declared']}\": CC BY 4.0, https://creativecommons.org/licenses/by/4.0/ .",
        "          Attribution: RouteViews (routeviews.org), DB-IP (db-ip.com; \"IP Geolocation by",
        "          DB-IP\", https://db-ip.com, which asks web pages that show its results to link",
        "          to it), Number Resource Organization (nro.net); ip-location-db by sapics.",
        "",
        "The licence files of the packages, verbatim:",
    ]
    for name, text in licence_texts.items():
        lines += ["", f"  [{name}]", *(f"  {line}" for line in text.strip().splitlines())]
    lines += [
        "",
        NAMES_FILE,
        "-" * len(NAMES_FILE),
        f"Source:   {names_source}",
        "          (iso_3166-1.json: common name where it has one, else the short name; the",
        "          withdrawn two-letter codes of iso_3166-3.json; plus XK Kosovo and EU European Union).",
        "Licence:  iso-codes is licensed under the GNU Lesser General Public License 2.1 or later,",
        "          https://salsa.debian.org/iso-codes-team/iso-codes ; this derived list is",
        "          distributed under the same terms.",
        "",
    ]
    (DATA / "NOTICE").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default="latest", help="the ip-location-db package version (default: latest)")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        country_info, country_dir = npm_pack(f"{COUNTRY_PKG}@{args.version}", work)
        asn_info, asn_dir = npm_pack(f"{ASN_PKG}@{args.version}", work)

        shutil.copyfile(country_dir / COUNTRY_FILE, DATA / COUNTRY_FILE)
        with maxminddb.open_database(str(DATA / COUNTRY_FILE)) as reader:
            built = datetime.datetime.fromtimestamp(reader.metadata().build_epoch, datetime.UTC)
        country_date = built.date().isoformat()
        asn_date = version_date(asn_info["version"])
        rows = convert_asn(asn_dir, DATA / ASN_FILE, asn_date)

        licence_texts = {
            f"{COUNTRY_PKG} NRO_LICENSE": (country_dir / "NRO_LICENSE").read_text(encoding="utf-8"),
            **{f"{ASN_PKG} {name}": (asn_dir / name).read_text(encoding="utf-8")
               for name in ("ROUTEVIEWS-LICENSE", "DBIP-LICENSE", "NRO_LICENSE")},
        }
        declared = {
            "country": json.loads((country_dir / "package.json").read_text())["license"],
            "asn": json.loads((asn_dir / "package.json").read_text())["license"],
        }

    names = country_names()
    if names is None:
        print(f"{ISO_3166_1} not found (apt-get install iso-codes): keeping {NAMES_FILE}")
        names_source = json.loads((DATA / NAMES_FILE).read_text())["source"]
    else:
        names_source = f"Debian package iso-codes {iso_codes_version()}, /usr/share/iso-codes/json/"
        payload = {"source": names_source, "licence": "LGPL-2.1-or-later", "names": names}
        (DATA / NAMES_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    meta = {
        "name": (f"ip-location-db geo-whois-asn-country {country_info['version']}"
                 f" + asn {asn_info['version']} (bundled)"),
        "licence": LICENCE,
        "date": min(country_date, asn_date),  # the older of the two: the data is at least that old
        "files": [COUNTRY_FILE, ASN_FILE],   # asked in this order
        "packages": [
            {"name": country_info["name"], "version": country_info["version"], "integrity": country_info["integrity"],
             "declared": declared["country"], "date": country_date, "size": mb(DATA / COUNTRY_FILE)},
            {"name": asn_info["name"], "version": asn_info["version"], "integrity": asn_info["integrity"],
             "declared": declared["asn"], "date": asn_date, "size": mb(DATA / ASN_FILE), "rows": rows},
        ],
        "sha256": {name: sha256(DATA / name) for name in (COUNTRY_FILE, ASN_FILE, NAMES_FILE)},
    }
    (DATA / "geoip.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    write_notice(meta, licence_texts, names_source)
    for name in (COUNTRY_FILE, ASN_FILE, NAMES_FILE, "geoip.json", "NOTICE"):
        print(f"wrote {DATA / name} ({mb(DATA / name)})")


if __name__ == "__main__":
    main()
