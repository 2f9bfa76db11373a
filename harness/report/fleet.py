"""The merged matrix of one scenario run on many phones: data type x destination x phone.

``fleet_doc(phones)`` reads each phone's report (``OUT/NAME/report.json``) and lays the flows of
personal data side by side: one row per (data type, destination domain), one column per phone
(its model and build), each cell the worst status found there (violation > allowed > consented >
observed > suspected) with the variants and the event count.  A phone whose run failed or could
not start has its reason instead of a report.  Written as ``OUT/fleet.json`` and printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.detect.render import safe_text
from harness.report.shape import ReportDoc

FLEET_SCHEMA_ID = "harness-fleet/1"
_RANK = {"violation": 0, "allowed": 1, "consented": 2, "observed": 3, "suspected": 4}
_STYLE = {"violation": "bold red", "allowed": "yellow", "consented": "green"}


class PhoneRow(TypedDict):
    name: str
    serial: str
    adb: str | None
    model: str | None
    manufacturer: str | None
    fingerprint: str | None
    security_patch: str | None
    run_folder: str
    exit_code: int | None
    status: str              # pass | fail | broken | failed (no report: it could not run)
    reason: str | None
    violations: int
    flows: int


class Cell(TypedDict):
    status: str              # the worst status of the flows in it
    events: int
    variants: dict[str, str]  # variant -> the worst status of its flows here
    countries: list[str]


class MatrixRow(TypedDict):
    data_type: str
    destination: str
    cells: dict[str, Cell]   # by phone name


class FleetDoc(TypedDict):
    schema: str
    scenario: str | None
    phones: list[PhoneRow]
    matrix: list[MatrixRow]
    exit_code: int


@dataclass(frozen=True)
class PhoneOutcome:
    name: str
    serial: str
    adb: str | None
    run_folder: Path
    exit_code: int | None
    error: str | None        # the worker's last error line, when it said one


def _report(folder: Path) -> ReportDoc | None:
    try:
        loaded = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None  # type: ignore[return-value]


def _phone_row(outcome: PhoneOutcome, report: ReportDoc | None) -> PhoneRow:
    device: dict[str, Any] = dict(report["device"]) if report else {}
    reason: str | None
    if report is None:
        status = "failed"
        reason = outcome.error or (f"the run ended with status {outcome.exit_code} and no report"
                                   if outcome.exit_code is not None and outcome.exit_code >= 0
                                   else f"the worker was killed (signal {-(outcome.exit_code or 0)})")
    else:
        status = report["verdict"]["status"]
        reason = report["verdict"]["headline"] if status == "broken" else None
        if outcome.exit_code not in (0, 1, 3):
            status, reason = "failed", outcome.error or f"the run ended with status {outcome.exit_code}"
    return PhoneRow(
        name=outcome.name, serial=outcome.serial, adb=outcome.adb, model=device.get("model"),
        manufacturer=device.get("manufacturer"), fingerprint=device.get("fingerprint"),
        security_patch=device.get("security_patch"), run_folder=str(outcome.run_folder),
        exit_code=outcome.exit_code, status=status, reason=reason,
        violations=len(report["violations"]) if report else 0, flows=len(report["flows"]) if report else 0,
    )


def fleet_doc(outcomes: list[PhoneOutcome]) -> FleetDoc:
    phones: list[PhoneRow] = []
    rows: dict[tuple[str, str], MatrixRow] = {}
    scenario: str | None = None
    for outcome in outcomes:
        report = _report(outcome.run_folder)
        phones.append(_phone_row(outcome, report))
        if report is None:
            continue
        scenario = scenario or report["run"]["scenario"]
        for flow in report["flows"]:
            dest = flow["destination"]
            key = (flow["data_type"], dest["domain"] or dest["host"] or "?")
            row = rows.setdefault(key, MatrixRow(data_type=key[0], destination=key[1], cells={}))
            cell = row["cells"].setdefault(outcome.name, Cell(status=flow["status"], events=0, variants={},
                                                              countries=[]))
            if _RANK.get(flow["status"], 9) < _RANK.get(cell["status"], 9):
                cell["status"] = flow["status"]
            cell["events"] += flow["events"]
            known = cell["variants"].get(flow["variant"])
            if known is None or _RANK.get(flow["status"], 9) < _RANK.get(known, 9):
                cell["variants"][flow["variant"]] = flow["status"]
            if dest["country"] not in cell["countries"]:
                cell["countries"].append(dest["country"])
    failed = any(p["status"] in ("failed", "broken") for p in phones)
    code = 3 if failed else 1 if any(p["status"] == "fail" for p in phones) else 0
    matrix = sorted(rows.values(), key=lambda r: (min((_RANK.get(c["status"], 9) for c in r["cells"].values()),
                                                      default=9), r["data_type"], r["destination"]))
    return FleetDoc(schema=FLEET_SCHEMA_ID, scenario=scenario, phones=phones, matrix=matrix, exit_code=code)


def print_fleet(doc: FleetDoc, console: Console) -> None:
    table = Table(title=Text(f"{doc['scenario'] or 'scenario'} on {len(doc['phones'])} phones"))
    for column in ("phone", "model", "build", "patch", "result", "flows", "violations", "reason"):
        table.add_column(column)
    for phone in doc["phones"]:
        table.add_row(safe_text(phone["serial"]), safe_text(phone["model"]), safe_text(phone["fingerprint"]),
                      safe_text(phone["security_patch"]),
                      Text(phone["status"], style="bold red" if phone["status"] in ("fail", "failed") else ""),
                      Text(str(phone["flows"])), Text(str(phone["violations"])), safe_text(phone["reason"]))
    console.print(table)
    if not doc["matrix"]:
        return
    matrix = Table(title=Text("Personal data per destination and phone"))
    matrix.add_column("data")
    matrix.add_column("to")
    for phone in doc["phones"]:
        matrix.add_column(safe_text(f"{phone['model'] or phone['serial']} {phone['fingerprint'] or ''}".strip()))
    for row in doc["matrix"]:
        cells = []
        for phone in doc["phones"]:
            cell = row["cells"].get(phone["name"])
            if cell is None:
                cells.append(Text("-"))
                continue
            by_status: dict[str, list[str]] = {}
            for variant, status in cell["variants"].items():
                by_status.setdefault(status, []).append(variant)
            shown = "; ".join(f"{status}: {', '.join(names)}" for status, names in
                              sorted(by_status.items(), key=lambda kv: _RANK.get(kv[0], 9)))
            cells.append(Text(f"{shown} ({cell['events']} events)", style=_STYLE.get(cell["status"], "")))
        matrix.add_row(safe_text(row["data_type"]), safe_text(row["destination"]), *cells)
    console.print(matrix)
