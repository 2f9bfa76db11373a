#!/usr/bin/env python3
"""Rebuild the tracker lists bundled in harness/detect/data/ from their public sources.

Sources (see harness/detect/data/NOTICE):
  * WhoTracks.me trackerdb, PyPI wheel ``whotracksme==2018.5.17``, data under CC BY 4.0:
    ``whotracksme/data/assets/trackerdb.sql`` (domains -> trackers -> companies, categories).
    The 61 MB wheel is only read here, at build time; the harness never depends on it.
  * EasyPrivacy, as shipped by the Debian package ``webext-ublock-origin-firefox``
    (GPL-3+ or CC BY-SA 3.0+): every plain ``||domain^`` rule.

Usage (from the repository root):
    pip download --no-deps -d /tmp/wtm whotracksme==2018.5.17
    apt-get install webext-ublock-origin-firefox
    EP=$(ls /usr/share/mozilla/extensions/*/uBlock0@raymondhill.net/assets/thirdparties/easylist/easyprivacy.txt)
    python scripts/update_tracker_list.py --whotracksme /tmp/wtm/whotracksme-2018.5.17-py3-none-any.whl \
        --easyprivacy "$EP" --easyprivacy-version "$(dpkg-query -W -f='${Version}' webext-ublock-origin-firefox)"

Output: trackers.json, compact JSON
    {"sources": {name: {version, licence, url}}, "domains": {domain: [org, category, source]}}
and easyprivacy-domains.txt (one domain a line).
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sqlite3
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "harness" / "detect" / "data"
_SQL_MEMBER = "whotracksme/data/assets/trackerdb.sql"
# Plain domain rules, alone or limited to third-party requests (an app's egress is what we classify);
# rules restricted to some sites ($domain=...) or paths would over-reach.
_DOMAIN_RULE = re.compile(r"^\|\|([a-z0-9][a-z0-9.-]*\.[a-z]{2,})\^(?:\$third-party)?$")


def whotracksme_domains(wheel: Path) -> dict[str, list[str]]:
    """domain -> [company name, category, "whotracksme"] from the wheel's SQL dump."""
    with zipfile.ZipFile(wheel) as archive:
        script = archive.read(_SQL_MEMBER).decode("utf-8")
    db = sqlite3.connect(":memory:")
    db.executescript(script)
    rows = db.execute(
        """SELECT d.domain, COALESCE(c.name, t.name), COALESCE(cat.name, '')
           FROM tracker_domains d JOIN trackers t ON t.id = d.tracker
           LEFT JOIN companies c ON c.id = t.company_id
           LEFT JOIN categories cat ON cat.id = t.category_id"""
    ).fetchall()
    return {domain.lower(): [org.strip(), category, "whotracksme"] for domain, org, category in rows}


def easyprivacy_domains(path: Path) -> list[str]:
    """Every domain of a plain ``||domain^`` rule (EasyPrivacy names no organisations)."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _DOMAIN_RULE.match(line.strip())
        if match:
            found.add(match.group(1))
    return sorted(found)


def write_domain_lines(name: str, header: list[str], domains: list[str]) -> None:
    """One domain a line after '#' comments: the format ``--tracker-db`` also accepts."""
    lines = [f"# {line}" for line in header] + domains
    (DATA / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {DATA / name}: {len(domains)} domains")


def write(name: str, sources: dict[str, dict[str, str]], domains: dict[str, list[str]]) -> None:
    payload = {"sources": sources, "domains": dict(sorted(domains.items()))}
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    (DATA / name).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {DATA / name}: {len(domains)} domains")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--whotracksme", type=Path, required=True, help="the whotracksme 2018.5.17 wheel")
    parser.add_argument("--easyprivacy", type=Path, help="easyprivacy.txt (optional)")
    parser.add_argument("--easyprivacy-version", default="unknown", help="version of the package it came from")
    args = parser.parse_args()
    today = datetime.date.today().isoformat()
    write("trackers.json", {"whotracksme": {
        "version": args.whotracksme.name.split("-")[1], "licence": "CC BY 4.0",
        "url": "https://pypi.org/project/whotracksme/2018.5.17/", "converted": today,
    }}, whotracksme_domains(args.whotracksme))
    if args.easyprivacy:
        write_domain_lines("easyprivacy-domains.txt", [
            "EasyPrivacy (https://easylist.to/), plain ||domain^ rules only",
            f"from Debian webext-ublock-origin-firefox {args.easyprivacy_version}, converted {today}",
            "licence: GPL-3.0-or-later OR CC-BY-SA-3.0-or-later (see NOTICE)",
        ], easyprivacy_domains(args.easyprivacy))


if __name__ == "__main__":
    main()
