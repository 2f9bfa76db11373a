"""Seeding canaries on the virtual phone over adb, reading them back, and taking them all away again,
also from another process after the seeding one was killed."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from canary_support import HOSTILE

from harness.device.device import Device
from harness.device.seed import CALLS_URI, CONTACT_DATA, SMS_URI, sql_text
from harness.scenario.canaries import generate_canaries
from harness.scenario.canary_seed import NO_ACCOUNTS, NO_CLIPBOARD, SeededCanaries, seed_canaries
from harness.virtual.manager import RunningPhone

MOCK_OP = ["appops", "get", "com.android.shell", "MOCK_LOCATION"]


@pytest.fixture
def device(fresh_phone: RunningPhone) -> Device:
    return Device.connect(fresh_phone.serial)


def query(device: Device, uri: str, where: str, projection: str) -> str:
    return device.shell(["content", "query", "--uri", uri, "--projection", projection, "--where", where]).stdout


def present(device: Device, doc: dict[str, Any]) -> dict[str, bool]:
    """Whether each seeded value is on the phone, read back over adb (by value, not by id)."""
    found: dict[str, bool] = {}
    for contact in doc.get("contacts", []):
        for value in [contact["name"], *contact.get("phones", []), *contact.get("emails", [])]:
            out = query(device, CONTACT_DATA, f"data1={sql_text(value)}", "data1")
            found[f"contact {value}"] = f"data1={value}\n" in out
    for sms in doc.get("sms", []):
        out = query(device, SMS_URI, f"body={sql_text(sms['body'])}", "address:body:type")
        found[f"sms {sms['body']}"] = f"address={sms['address']}, body={sms['body']}, type=1\n" in out
    for call in doc.get("call_log", []):
        out = query(device, CALLS_URI, f"number={sql_text(call['number'])}", "number:type")
        found[f"call {call['number']}"] = f"number={call['number']}, type=1\n" in out
    return found


def test_seed_read_back_and_remove_everything(device: Device) -> None:
    doc = generate_canaries("US", random.Random(21))
    op_before = device.shell(MOCK_OP).stdout
    journal: list[dict[str, Any]] = []
    seeded = seed_canaries(device, doc, journal=journal.append)
    assert all(present(device, doc).values()), present(device, doc)
    assert device.shell(MOCK_OP).stdout.startswith("MOCK_LOCATION: allow"), "the shell may mock the location"
    assert seeded.location is not None and (seeded.location.lat, seeded.location.lon) == (
        doc["location"]["lat"], doc["location"]["lon"])
    assert seeded.skipped == [NO_CLIPBOARD, NO_ACCOUNTS]
    assert journal[-1] == seeded.to_json() and len(journal) > 2 * len(seeded.items), "journaled at every step"
    assert [i.kind for i in seeded.items] == ["contact", "contact", "sms", "sms", "call"]
    assert all(i.id is not None and i.id > i.after for i in seeded.items)

    assert seeded.remove(device) == []
    assert not any(present(device, doc).values()), present(device, doc)
    assert seeded.empty and device.shell(MOCK_OP).stdout.startswith("MOCK_LOCATION: default")
    assert op_before.startswith("No operations."), "there was no mode before; `default` is what that means"
    for uri in ("content://com.android.contacts/raw_contacts", SMS_URI, CALLS_URI):
        assert "No result found." in device.shell(["content", "query", "--uri", uri]).stdout


def test_hostile_text_is_seeded_verbatim_and_never_executed(device: Device) -> None:
    doc = {"contacts": [{"name": HOSTILE, "phones": ["+1 (415) 555-0134"], "emails": ["o'brien+x@example.com"]}],
           "sms": [{"address": "+14155550135", "body": HOSTILE + " body"}],
           "call_log": [{"number": "+14155550136", "name": HOSTILE}]}
    seeded = seed_canaries(device, doc)
    assert all(present(device, doc).values()), present(device, doc)
    out = query(device, CALLS_URI, "number='+14155550136'", "name")
    assert out == f"Row: 0 name={HOSTILE}\n"
    assert device.shell(["ls", "/data/local/tmp/pwned", "/data/local/tmp/pwned2"], check=False).exit_code != 0
    assert seeded.remove(device) == []
    assert not any(present(device, doc).values())


def test_removal_leaves_rows_that_are_not_the_seeded_ones(device: Device) -> None:
    """A journal replayed late: the id it names now holds another row, which must stay."""
    seeded = seed_canaries(device, {"sms": [{"address": "+14155550140", "body": "seeded body K7Q2MX"}]})
    (item,) = seeded.items
    device.seed.remove_sms(item.id or 0)
    other = device.seed.add_sms("+14155550141", "the user's own message")
    item.id = other    # as if the provider had given the seeded row's id to a new one
    assert seeded.remove(device) == []
    assert "the user's own message" in query(device, SMS_URI, f"_id={other}", "body")


_CHILD = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from harness.device.device import Device
    from harness.device.seed import Seeder
    from harness.scenario.canary_seed import seed_canaries

    serial, journal_path, doc, crash_in = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
    if crash_in == "add_sms":   # killed between the insert and reading its id back
        insert = Seeder.add_sms
        def add_sms(self, *args, **kwargs):
            self._content("insert", "content://sms/inbox", *self._bind("address", "s", args[0]),
                          *self._bind("body", "s", args[1]))
            os.kill(os.getpid(), signal.SIGKILL)
        Seeder.add_sms = add_sms
    seed_canaries(Device.connect(serial), doc, journal=lambda r: journal_path.write_text(json.dumps(r)))
    os.kill(os.getpid(), signal.SIGKILL)   # the run dies with everything seeded
""")


@pytest.mark.parametrize("crash_in", ["after-seeding", "add_sms"])
def test_a_killed_run_is_undone_from_its_journal_by_another_process(device: Device, tmp_path: Path,
                                                                   crash_in: str) -> None:
    doc = generate_canaries("GB", random.Random(crash_in))
    journal = tmp_path / "journal.json"
    child = subprocess.run([sys.executable, "-c", _CHILD, device.serial, str(journal), json.dumps(doc), crash_in],
                           capture_output=True, text=True, timeout=300, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    saved = json.loads(journal.read_text())
    record = SeededCanaries.from_json(saved)
    assert record.to_json() == saved, "the journal round-trips"
    on_phone = present(device, doc)
    if crash_in == "add_sms":
        assert record.items[-1].kind == "sms" and record.items[-1].id is None, "its id was never read"
        assert on_phone[f"sms {doc['sms'][0]['body']}"], "but the row is there"
        assert record.location is None
    else:
        assert all(on_phone.values()) and record.location is not None
        assert device.shell(MOCK_OP).stdout.startswith("MOCK_LOCATION: allow")
    assert record.remove(device) == []
    assert not any(present(device, doc).values()), present(device, doc)
    assert not device.shell(MOCK_OP).stdout.startswith("MOCK_LOCATION: allow")
    assert record.empty
