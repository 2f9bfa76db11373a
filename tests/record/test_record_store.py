"""The run store: round trip of every Event field, metadata, steps, errors naming the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.errors import StoreError
from harness.events import Dest, Event
from harness.record.meta import RunMeta
from harness.record.reader import count_events, iter_events
from harness.record.store import RunStore
from harness.testing.factories import make_event


def test_every_event_field_round_trips(tmp_path: Path) -> None:
    run = tmp_path / "r.run"
    events = [
        make_event("http.request", headers=(("User-Agent", "x"), ("Cookie", "a=1")), stack=("a.B.c", "d.E.f"),
                   sdk="com.tracker", data_len=9999, variant="consent-off", step=3),
        make_event("sms.send", value=None),
        make_event("id.read", value="356938035643809", data=None, dest=None),
        make_event("net.send", dest=Dest(), data=b"\x00\xff" * 10),
    ]
    with RunStore.create(run, RunMeta(device_serial="R58M", frida_client_version="17.26.2")) as store:
        store.writer().put(events)
    stored = list(iter_events(run))
    assert [e.id for e in stored] == [1, 2, 3, 4]  # ids are assigned by the store
    assert [dataclasses.replace(e, id=0) for e in stored] == [dataclasses.replace(e, id=0) for e in events]
    assert count_events(run) == 4
    assert [e.kind for e in iter_events(run, kinds={"sms.send", "id.read"})] == ["sms.send", "id.read"]
    assert [e.id for e in iter_events(run, variant="consent-off")] == [1]


def test_variant_and_step_stamping_and_steps_table(tmp_path: Path) -> None:
    run = tmp_path / "r.run"
    store = RunStore.create(run)
    writer = store.writer()
    writer.put([make_event("net.send")])                   # before any step: step null
    writer.set_variant("consent-on")
    writer.mark_step(0, "launch")
    writer.put([make_event("net.send"), make_event("net.send", step=7, variant="explicit")])
    writer.mark_step(1, "tap accept")
    writer.put([make_event("net.send")])
    store.close()
    got = [(e.variant, e.step) for e in iter_events(run)]
    assert got == [(None, None), ("consent-on", 0), ("explicit", 7), ("consent-on", 1)]
    steps = RunStore.open(run).steps()
    assert [(s.variant, s.index, s.name) for s in steps] == [("consent-on", 0, "launch"),
                                                             ("consent-on", 1, "tap accept")]
    assert all(s.finished is not None and s.finished >= s.started for s in steps)


def test_metadata_tables(tmp_path: Path) -> None:
    run = tmp_path / "r.run"
    with RunStore.create(run, RunMeta(run_id="run-1", device_serial="R58M")) as store:
        store.set_device_facts({"ro.build.fingerprint": "vendor/x:14/abc", "sdk": 34})
        store.add_variant("consent-on", {"ux_program": 1})
        store.add_variant("consent-off")
        store.add_canaries("imei: '356938035643809'\n", name="canaries.yaml")
        tid = store.add_target("com.vendor.analytics", 1234, "attach")
        store.target_detached(tid, "process-terminated")
        with pytest.raises(StoreError, match="unknown instrumentation mode"):
            store.add_target("x", 1, "teleport")
    store = RunStore.open(run)
    meta = store.meta()
    assert (meta["run_id"], meta["device_serial"], meta["harness_version"]) == ("run-1", "R58M", "0.1.0")
    assert meta["events_received"] == meta["events_written"] == 0 and meta["closed"] > 0
    assert store.device_facts() == {"ro.build.fingerprint": "vendor/x:14/abc", "sdk": 34}
    assert store.variants() == ["consent-on", "consent-off"]
    assert store.canaries() == [("canaries.yaml", "yaml", "imei: '356938035643809'\n")]
    [target] = store.targets()
    assert (target.process, target.pid, target.mode, target.detach_reason) == (
        "com.vendor.analytics", 1234, "attach", "process-terminated")
    store.close()


def test_existing_run_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    run = tmp_path / "r.run"
    with RunStore.create(run) as store:
        store.writer().put([make_event()])
    with pytest.raises(StoreError, match="already exists"):
        RunStore.create(run)
    RunStore.create(run, overwrite=True).close()
    assert count_events(run) == 0


def test_missing_and_corrupt_runs_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"nope\.run: no such run file"):
        list(iter_events(tmp_path / "nope.run"))
    junk = tmp_path / "junk.run"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.run: not a readable run file"):
        list(iter_events(junk))
    with pytest.raises(StoreError, match=r"junk\.run"):
        RunStore.open(junk)
    other = tmp_path / "other.db"
    import sqlite3

    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match=r"other\.db: not a readable run file"):
        list(iter_events(other))


def test_writer_refuses_after_close(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path / "r.run")
    writer = store.writer()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        writer.put([make_event()])
    with pytest.raises(StoreError, match="closed"):
        store.writer()


def test_meta_as_a_mapping(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "m.run", {"device_serial": "R58M", "scenario": "s.yaml"}) as store:
        meta = store.meta()
    assert (meta["device_serial"], meta["scenario"], meta["harness_version"]) == ("R58M", "s.yaml", "0.1.0")
    assert len(meta["run_id"]) == 32


def test_deferred_batches_are_decoded_by_the_writer(tmp_path: Path) -> None:
    run = tmp_path / "d.run"
    store = RunStore.create(run)
    writer = store.writer()
    writer.put_deferred(2, lambda: [make_event("net.send", data=b"a"), make_event("net.send", data=b"b")])
    writer.put_deferred(1, lambda: [make_event("net.send", data=b"c"), make_event("net.send", data=b"d")])

    def broken() -> list[Event]:
        raise ValueError("corrupt batch")

    writer.put_deferred(5, broken)
    stats = store.writer().stats()
    store.close()
    assert [e.data for e in iter_events(run)] == [b"a", b"b", b"c", b"d"]
    meta = RunStore.open(run).meta()
    # the producer's estimate (1) is corrected to what decoding gave (2); the broken batch is counted
    assert (meta["events_received"], meta["events_written"], meta["events_undecodable"]) == (9, 4, 5)
    assert stats.received >= 8
