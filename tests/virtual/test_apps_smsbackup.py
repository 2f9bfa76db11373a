"""The SMS backup app on the virtual phone: it reads the inbox only with READ_SMS, uploads it over
HTTPS and texts a confirmation through SmsManager (seen in the SMS provider's sent box)."""

from __future__ import annotations

import json
import time

from harness.device.device import Device
from harness.virtual.manager import RunningPhone
from tests.virtual.apps_support import body, collected, tap_text, wait_for_log, wait_for_request

SMSBACKUP = "com.example.smsbackup"
READ_SMS = "android.permission.READ_SMS"
INBOX = [("+15550001001", "Your verification code is 482915"),
         ("+15550001002", 'Dinner at 8? "Tom\'s" place, bring the key: 7f3a')]
CONFIRMATION = ("+15550009999", "Backup done: 2 messages")


def _backups(phone: RunningPhone) -> list[dict[str, object]]:
    return [r for r in collected(phone) if str(r.get("path", "")) == "/v1/backup"]


def _sent_box(device: Device) -> str:
    return device.shell(["content", "query", "--uri", "content://sms/sent", "--projection", "address:body"]).stdout


def _wait_for_sent(device: Device, needle: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        sent = _sent_box(device)
        if needle in sent or time.monotonic() > deadline:
            return sent
        time.sleep(0.1)


def test_backup_uploads_the_inbox_and_texts_a_confirmation(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    for address, text in INBOX:
        device.seed.add_sms(address, text)
    device.consent.grant(SMSBACKUP, READ_SMS)
    device.apps.launch(SMSBACKUP)

    upload = wait_for_request(fresh_phone, "/v1/backup")  # the automatic backup after start
    assert (upload["collector"], upload["method"], upload["sni"]) == ("https", "POST", "backup.smsbackup.example")
    document = json.loads(body(upload))
    assert [(m["address"], m["body"]) for m in document["messages"]] == INBOX
    address, text = CONFIRMATION
    assert f"address={address}, body={text}" in _wait_for_sent(device, text)

    tap_text(device, "Back up now")  # the button backs up again
    deadline = time.monotonic() + 10
    while len(_backups(fresh_phone)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_backups(fresh_phone)) == 2


def test_without_read_sms_nothing_is_uploaded(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    for address, text in INBOX:
        device.seed.add_sms(address, text)
    device.consent.revoke(SMSBACKUP, READ_SMS)
    device.apps.launch(SMSBACKUP)

    log = wait_for_log(device, "SmsBackup", "cannot read SMS")
    assert "java.lang.SecurityException" in log
    # the backup ended with that line: no upload, no confirmation
    assert _backups(fresh_phone) == []
    assert CONFIRMATION[1] not in _sent_box(device)
