"""Seeder's value-checked removal (what a replayed journal uses) and its location commands."""

from __future__ import annotations

import pytest

from harness.device.device import Device
from harness.device.seed import CALLS_URI, CONTACT_DATA, MIME_NAME, MIME_PHONE, SMS_URI, sql_text
from harness.virtual.manager import RunningPhone

TRICKY = "it's a 'quoted' \"body\": $(id) `id`\n2nd line, ünï"


@pytest.fixture
def device(phone: RunningPhone) -> Device:
    return Device.connect(phone.serial)


def rows(device: Device, uri: str, where: str) -> str:
    return device.shell(["content", "query", "--uri", uri, "--where", where]).stdout


def test_sql_text_quotes_for_a_selection() -> None:
    assert sql_text("it's") == "'it''s'"
    assert sql_text("") == "''"
    with pytest.raises(ValueError, match="NUL"):
        sql_text("a\x00b")


def test_sms_and_calls_are_removed_only_while_they_hold_the_seeded_value(device: Device) -> None:
    before = device.seed.highest_id(SMS_URI)
    sms_id = device.seed.add_sms("+15550003333", TRICKY)
    assert sms_id > before
    device.seed.remove_sms_matching("+15550003333", TRICKY + "x", sms_id)      # another body: stays
    assert f"body={TRICKY}" in rows(device, SMS_URI, f"_id={sms_id}")
    device.seed.remove_sms_matching("+15550003333", TRICKY, None, before)       # id unknown: by value above
    assert "No result found." in rows(device, SMS_URI, f"_id={sms_id}")

    call_id = device.seed.add_call("+15550004444")
    device.seed.remove_call_matching("+15550004445", call_id)
    assert "number=+15550004444" in rows(device, CALLS_URI, f"_id={call_id}")
    device.seed.remove_call_matching("+15550004444", call_id)
    assert "No result found." in rows(device, CALLS_URI, f"_id={call_id}")


def test_contacts_found_by_name_or_by_phone(device: Device) -> None:
    after = device.seed.highest_id("content://com.android.contacts/raw_contacts")
    named = device.seed.add_contact(TRICKY, phones=["+15550005555"])
    nameless = device.seed.add_contact(None, phones=["+15550006666"])
    assert "mimetype=vnd.android.cursor.item/name" not in rows(device, CONTACT_DATA,
                                                               f"raw_contact_id={nameless.raw_contact_id}")
    assert device.seed.remove_contact_matching(MIME_NAME, TRICKY, None, after + 1000) == [], "none above"
    assert device.seed.remove_contact_matching(MIME_NAME, TRICKY, None, after) == [named.raw_contact_id]
    assert device.seed.remove_contact_matching(MIME_PHONE, "+15550006666", nameless.raw_contact_id) == [
        nameless.raw_contact_id]
    for contact in (named, nameless):
        assert "No result found." in rows(device, CONTACT_DATA, f"raw_contact_id={contact.raw_contact_id}")


def test_location_commands(device: Device) -> None:
    device.consent.set_appop("com.android.shell", "MOCK_LOCATION", "allow")
    try:
        assert device.seed.location_enabled() is True
        device.seed.set_test_location(-33.856812, 151.215297)
        device.seed.remove_test_location()
        device.seed.remove_test_location()          # none left: silent, as on Android
    finally:
        device.consent.set_appop("com.android.shell", "MOCK_LOCATION", "default")
