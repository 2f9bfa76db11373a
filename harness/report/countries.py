"""Where the data went, per country: the table every report shows (no map: a table reads anywhere)."""

from __future__ import annotations

from harness.compare.geo import country_name
from harness.report.shape import CountryRow, Flow


def countries_table(flows: list[Flow]) -> list[CountryRow]:
    """One row per destination country of the flows, the most flows first ("local" and "unknown" last)."""
    rows: dict[str, CountryRow] = {}
    for flow in flows:
        if flow["confidence"] != "canary":
            continue
        code = flow["destination"]["country"]
        row = rows.get(code)
        if row is None:
            row = rows[code] = CountryRow(country=code, name=country_name(code), flows=0, violations=0,
                                          data_types=[], hosts=[])
        row["flows"] += 1
        row["violations"] += flow["status"] == "violation"
        if flow["data_type"] not in row["data_types"]:
            row["data_types"].append(flow["data_type"])
        host = flow["destination"]["host"]
        if host and host not in row["hosts"]:
            row["hosts"].append(host)
    for row in rows.values():
        row["data_types"].sort()
        row["hosts"].sort()
    return sorted(rows.values(), key=lambda r: (r["country"] in ("local", "unknown"), -r["flows"], r["country"]))
