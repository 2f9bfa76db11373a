"""``harness db push`` into a real PostgreSQL server, with runs made by hand (no phone): what lands in
which table, that a second push changes nothing, ``--replace``, ``--events``/``--payloads``, runs
that cannot be read, and hostile captured text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harness.events import Dest, Event
from harness.record.reader import count_events, iter_events
from harness.record.view import RunView
from harness.testing.factories import make_event
from tests.compare.compare_support import ANDROID_ID, IMEI, TRACKER, dns, make_run, report
from tests.db.db_support import harness, query, state

CONSENT = {"pre_consent": "withheld", "accepted": "given", "rejected": "withheld"}
FACTS = {"serial": "emulator-5554", "manufacturer": "Acme", "model": "A1", "release": "14", "sdk": 34,
         "fingerprint": "acme/a1/a1:14/AP1A.240305.019/1:user/release-keys", "security_patch": "2024-03-05",
         "build_id": "AP1A.240305.019"}


def request(variant: str, step: int, body: bytes, *, host: str = TRACKER, process: str = "com.example.messenger",
            path: str = "/v1/collect") -> Event:
    return make_event("http.request", variant=variant, step=step, data=body, sdk="com.tracker.sdk", process=process,
                      dest=Dest(host=host, ip=None, port=443, scheme="https", url=f"https://{host}{path}"))


def messenger_run(path: Path, *, facts: dict[str, object] | None = None, host: str = TRACKER,
                  process: str = "com.example.messenger", extra: bytes = b"") -> Path:
    """A run where the IMEI leaves before consent and after refusal, the android id with consent."""
    beacon = f'{{"event":"init","aid":"{ANDROID_ID}"}}'.encode()
    return make_run(path, {
        "pre_consent": [dns("pre_consent", 2, host=host),
                        request("pre_consent", 2, b"imei=" + IMEI.encode() + extra, host=host, process=process)],
        "accepted": [request("accepted", 4, beacon, path="/v1/init")],
        "rejected": [request("rejected", 4, f"imei={IMEI}".encode(), host=host, process=process)],
    }, consent=CONSENT, facts=facts or FACTS)


def test_push_stores_the_run_s_report(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = messenger_run(tmp_path / "m.run")
    done = harness(capsys, "db", "push", str(run), "--dsn", dsn)
    assert done.code == 0, done.err
    doc = report(run)
    run_id = RunView(run).meta["run_id"]
    assert done.out == "1 pushed, 0 replaced, 0 already there, 0 failed\n"
    assert f"[1/1] {run}: pushed run {run_id} ({len(doc['flows'])} flows, {len(doc['violations'])} violations)" \
        in done.err
    [(verdict, exit_code, headline, scenario, status, events)] = query(
        dsn, "SELECT verdict, exit_code, headline, scenario, status, events FROM runs WHERE run_id = %s", (run_id,))
    assert (verdict, exit_code, headline, scenario, status, events) == (
        doc["verdict"]["status"], doc["verdict"]["exit_code"], doc["verdict"]["headline"], "demo", "complete",
        doc["run"]["events"])
    [build] = query(dsn, "SELECT b.fingerprint, b.manufacturer, b.model, b.android, b.sdk, b.security_patch, "
                         "b.build_id, d.serial FROM runs r JOIN builds b ON b.id = r.build_id "
                         "JOIN devices d ON d.id = r.device_id")
    assert build == (FACTS["fingerprint"], "Acme", "A1", "14", 34, "2024-03-05", "AP1A.240305.019", "emulator-5554")
    flows = query(dsn, "SELECT flow_id, variant, consent, data_type, confidence, host, domain, country, process, "
                       "sdk, events, encodings, places, canary_values, evidence, status, after_refusal "
                       "FROM flows ORDER BY flow_id")
    assert sorted(flows) == sorted(
        (f["id"], f["variant"], f["consent"], f["data_type"], f["confidence"], f["destination"]["host"],
         f["destination"]["domain"], f["destination"]["country"], f["process"], f["sdk"], f["events"],
         f["encodings"], f["places"], f["values"], f["evidence"], f["status"], f["after_refusal"])
        for f in doc["flows"])
    assert {(f[1], f[3]) for f in flows if f[15] == "violation"} == {("pre_consent", "imei"), ("rejected", "imei")}
    violations = query(dsn, "SELECT flow_id, variant, data_type, host, message FROM violations ORDER BY position")
    assert violations == [(v["flow"], v["variant"], v["data_type"], v["destination"]["host"], v["message"])
                          for v in doc["violations"]]
    assert query(dsn, "SELECT name, consent, status FROM variants ORDER BY position") == [
        (v["name"], v["consent"], v["status"]) for v in doc["variants"]]
    findings = query(dsn, "SELECT event_id, data_type, canary, place, raw_excerpt, decoded, payload FROM findings")
    assert len(findings) == len(doc["findings"]) > 0
    assert all(f[4] is None and f[5] is None and f[6] is None for f in findings)  # no payload texts by default
    assert query(dsn, "SELECT count(*) FROM events") == [(0,)]  # events only with --events


def test_pushing_twice_changes_nothing(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [messenger_run(tmp_path / "a.run"), messenger_run(tmp_path / "b.run", host="ads.tracker.example")]
    assert harness(capsys, "db", "push", *map(str, runs), "--dsn", dsn, "--events").code == 0
    before = state(dsn)
    assert before["runs"][0] == 2 and before["flows"][0] > 0 and before["events"][0] > 0
    again = harness(capsys, "db", "push", *map(str, runs), "--dsn", dsn, "--events")
    assert again.code == 0
    assert state(dsn) == before  # every table's rows and contents, and the sequences
    assert again.out == "0 pushed, 0 replaced, 2 already there, 0 failed\n"
    for run in runs:
        run_id = RunView(run).meta["run_id"]
        assert f"{run}: run {run_id} is already in the database: skipped (--replace re-imports it)" in again.err


def test_replace_re_imports_a_run(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run, other = messenger_run(tmp_path / "a.run"), messenger_run(tmp_path / "b.run", host="ads.tracker.example")
    assert harness(capsys, "db", "push", str(run), str(other), "--dsn", dsn).code == 0
    pristine = state(dsn, without_times=True)
    [(pushed_at,)] = query(dsn, "SELECT pushed_at FROM runs WHERE path = %s", (str(run),))
    # someone edits the run's rows: a plain push keeps the edit (the run is there), --replace restores it
    query(dsn, "DELETE FROM flows f USING runs r WHERE r.run_id = f.run_id AND r.path = %s "
               "AND f.status = 'consented'", (str(run),))
    query(dsn, "UPDATE runs SET headline = 'edited' WHERE path = %s", (str(run),))
    edited = state(dsn, without_times=True)
    assert edited != pristine
    assert harness(capsys, "db", "push", str(run), "--dsn", dsn).code == 0
    assert state(dsn, without_times=True) == edited
    done = harness(capsys, "db", "push", str(run), "--dsn", dsn, "--replace")
    assert done.code == 0, done.err
    assert done.out == "0 pushed, 1 replaced, 0 already there, 0 failed\n"
    assert f"{run}: replaced run {RunView(run).meta['run_id']}" in done.err
    assert state(dsn, without_times=True) == pristine  # the other run untouched, builds not duplicated
    [(replaced_at,)] = query(dsn, "SELECT pushed_at FROM runs WHERE path = %s", (str(run),))
    assert replaced_at > pushed_at


def test_events_and_payloads(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain_run, full_run = messenger_run(tmp_path / "a.run"), messenger_run(tmp_path / "b.run")
    assert harness(capsys, "db", "push", str(plain_run), "--dsn", dsn, "--events").code == 0
    assert harness(capsys, "db", "push", str(full_run), "--dsn", dsn, "--events", "--payloads").code == 0
    ids = {p: RunView(p).meta["run_id"] for p in (plain_run, full_run)}
    for path, run_id in ids.items():
        stored = query(dsn, "SELECT id, kind, api, process, dest_host, dest_port, dest_url, data_len, sdk, data, "
                            "value FROM events WHERE run_id = %s ORDER BY id", (run_id,))
        events = list(iter_events(path))
        assert len(stored) == count_events(path) == len(events)
        full = path == full_run
        assert stored == [(e.id, e.kind, e.api, e.process, e.dest.host if e.dest else None,
                           e.dest.port if e.dest else None, e.dest.url if e.dest else None,
                           e.data_len if e.data_len is not None else (len(e.data) if e.data is not None else None),
                           e.sdk, e.data if full else None, e.value if full else None) for e in events]
        [(with_events, with_payloads)] = query(dsn, "SELECT with_events, with_payloads FROM runs WHERE run_id = %s",
                                               (run_id,))
        assert (with_events, with_payloads) == (True, full)
        texts = query(dsn, "SELECT raw_excerpt, decoded, highlights FROM findings WHERE run_id = %s", (run_id,))
        assert texts and all((t[0] is not None and t[1] is not None and t[2] is not None) == full for t in texts)
    assert any(IMEI in (r[0] or "") for r in query(dsn, "SELECT decoded FROM findings WHERE run_id = %s",
                                                     (ids[full_run],)))


def test_a_run_that_cannot_be_read_is_named_and_the_others_are_pushed(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = messenger_run(tmp_path / "good.run")
    garbage = tmp_path / "garbage.run"
    garbage.write_bytes(b"not a run at all\x00" * 100)
    empty_folder = tmp_path / "folder"
    empty_folder.mkdir()
    no_id = messenger_run(tmp_path / "noid.run")
    with sqlite3.connect(no_id) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'run_id'")
    conn.close()
    missing = tmp_path / "missing"
    done = harness(capsys, "db", "push", str(missing), str(garbage), str(good), str(empty_folder), str(no_id),
                   "--dsn", dsn)
    assert done.code == 1
    assert done.out == "1 pushed, 0 replaced, 0 already there, 4 failed\n"
    errors = [line for line in done.err.splitlines() if line.startswith("harness: ")]
    assert len(errors) == 4, done.err
    for bad in (missing, garbage, empty_folder, no_id):
        assert sum(line.startswith(f"harness: {bad}: ") for line in errors) == 1, (bad, errors)
    assert "run_id" in next(line for line in errors if line.startswith(f"harness: {no_id}"))
    assert query(dsn, "SELECT path FROM runs") == [(str(good),)]
    none = harness(capsys, "db", "push", str(missing), str(garbage), "--dsn", dsn)
    assert none.code == 2
    assert none.out == "0 pushed, 0 replaced, 0 already there, 2 failed\n"


HOSTILE_HOST = "x'); DROP TABLE runs; --\"\\%s$1\x00.evil.example"
HOSTILE_PROCESS = "com.evil\x00'; DELETE FROM flows; --"


def test_hostile_text_never_breaks_a_push(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Quotes, backslashes, placeholders and SQL go in as they are; a NUL (which PostgreSQL text cannot
    hold) is stored as the four characters \\x00; payload bytes (bytea) keep their NULs exactly."""
    run = messenger_run(tmp_path / "h.run", host=HOSTILE_HOST, process=HOSTILE_PROCESS, extra=b"\x00\xff'--")
    done = harness(capsys, "db", "push", str(run), "--dsn", dsn, "--events", "--payloads")
    assert done.code == 0, done.err
    stored_host = HOSTILE_HOST.replace("\x00", "\\x00")
    stored_process = HOSTILE_PROCESS.replace("\x00", "\\x00")
    # the report keeps a flow's host as captured but lower-cased; the NUL is still in it
    [report_host] = {f["destination"]["host"] for f in report(run)["flows"] if f["variant"] != "accepted"}
    assert report_host == HOSTILE_HOST.lower() and "\x00" in report_host
    flows = query(dsn, "SELECT host, process, data_type, status FROM flows WHERE variant <> 'accepted'")
    assert flows and all(f[:2] == (report_host.replace("\x00", "\\x00"), stored_process) for f in flows)
    assert {f[2] for f in flows} == {"imei"}
    assert query(dsn, "SELECT count(*) FROM runs") == [(1,)]  # nothing dropped or deleted
    events = {e.id: e for e in iter_events(run)}
    stored = query(dsn, "SELECT id, dest_host, process, data FROM events WHERE process LIKE 'com.evil%%'")
    assert stored
    for event_id, host, process, data in stored:
        assert host in (stored_host, None) and process == stored_process
        assert data == events[event_id].data  # bytes as they left, NULs included
    assert any(b"\x00\xff'--" in (row[3] or b"") for row in stored)
    shown = harness(capsys, "db", "query", "flows-by-build", "--dsn", dsn)
    assert shown.code == 0
    assert "\x00" not in shown.out and "x'); drop table runs; --" in shown.out
    as_json = harness(capsys, "db", "query", "flows-by-build", "--dsn", dsn, "--json").json()
    assert {row["destination"] for row in as_json["rows"]} >= {report_host.replace("\x00", "\\x00")}
    again = harness(capsys, "db", "push", str(run), "--dsn", dsn, "--replace", "--events", "--payloads")
    assert again.code == 0, again.err
