from __future__ import annotations

from harness.testing.virtual import ToolShell

CONTACTS = "content://com.android.contacts"


def ok(sh: ToolShell, command: str | list[str]) -> str:
    result = sh(command)
    assert (result.status, result.err) == (0, b""), result.stderr
    return result.stdout


def add_contact(sh: ToolShell, name: str, phone: str) -> None:
    ok(sh, f"content insert --uri {CONTACTS}/raw_contacts --bind account_type:s:com.google "
           "--bind account_name:s:user@example.com")
    raw_id = ok(sh, f"content query --uri {CONTACTS}/raw_contacts --projection _id --sort '_id DESC'").split()[2]
    raw_id = raw_id.removeprefix("_id=")
    ok(sh, ["content", "insert", "--uri", f"{CONTACTS}/data", "--bind", f"raw_contact_id:i:{raw_id}",
            "--bind", "mimetype:s:vnd.android.cursor.item/name", "--bind", f"data1:s:{name}"])
    ok(sh, ["content", "insert", "--uri", f"{CONTACTS}/data", "--bind", f"raw_contact_id:i:{raw_id}",
            "--bind", "mimetype:s:vnd.android.cursor.item/phone_v2", "--bind", f"data1:s:{phone}",
            "--bind", "data2:i:2"])


def test_contacts(sh: ToolShell) -> None:
    assert ok(sh, f"content query --uri {CONTACTS}/contacts") == "No result found.\n"
    add_contact(sh, "Alice Canary", "+15550001111")
    add_contact(sh, "Bob Smith, Jr", "+15550002222")
    assert ok(sh, f"content query --uri {CONTACTS}/contacts --projection _id:display_name") == (
        "Row: 0 _id=1, display_name=Alice Canary\nRow: 1 _id=2, display_name=Bob Smith, Jr\n")
    phones = ok(sh, f"content query --uri {CONTACTS}/data/phones --projection 'display_name : data1 : data2' "
                    "--where \"data1='+15550002222'\"")
    assert phones == "Row: 0 display_name=Bob Smith, Jr, data1=+15550002222, data2=2\n"
    data = ok(sh, f"content query --uri {CONTACTS}/data --projection mimetype --where raw_contact_id=1 --sort _id")
    assert data == ("Row: 0 mimetype=vnd.android.cursor.item/name\n"
                    "Row: 1 mimetype=vnd.android.cursor.item/phone_v2\n")
    ok(sh, f"content delete --uri {CONTACTS}/raw_contacts --where _id=1")
    assert "Alice" not in ok(sh, f"content query --uri {CONTACTS}/data/phones")


def test_sms_views_and_binding_escapes(sh: ToolShell) -> None:
    ok(sh, ["content", "insert", "--uri", "content://sms/inbox", "--bind", "address:s:+15550003333",
            "--bind", r"body:s:meet at 12\:30", "--bind", "date:l:1700000000123", "--bind", "read:b:true"])
    ok(sh, "content insert --uri content://sms/sent --bind address:s:+15550003333 --bind body:s:")
    inbox = ok(sh, "content query --uri content://sms/inbox --projection address:body:type:read:date:thread_id")
    assert inbox == "Row: 0 address=+15550003333, body=meet at 12:30, type=1, read=1, date=1700000000123, thread_id=1\n"
    assert ok(sh, "content query --uri content://sms/sent --projection body:type:thread_id") == (
        "Row: 0 body=, type=2, thread_id=1\n")
    everything = ok(sh, "content query --uri content://sms --projection _id:type --sort '_id DESC'")
    assert everything == "Row: 0 _id=2, type=2\nRow: 1 _id=1, type=1\n"
    ok(sh, "content update --uri content://sms/inbox --bind read:i:0 --where _id=1")
    assert ok(sh, "content query --uri content://sms/1 --projection read:subject") == "Row: 0 read=0, subject=NULL\n"
    ok(sh, "content delete --uri content://sms/sent")
    assert ok(sh, "content query --uri content://sms --projection _id") == "Row: 0 _id=1\n"


def test_call_log_and_settings(sh: ToolShell) -> None:
    ok(sh, "content insert --uri content://call_log/calls --bind number:s:+15550004444 --bind type:i:3 "
           "--bind duration:i:0 --bind date:l:1700000000000")
    assert ok(sh, "content query --uri content://call_log/calls --projection number:type") == (
        "Row: 0 number=+15550004444, type=3\n")
    assert ok(sh, "content query --uri content://settings/secure --where \"name='android_id'\"") == (
        "Row: 0 _id=1, name=android_id, value=3f1c9a7be2d04c51\n")
    ok(sh, "content insert --uri content://settings/global --bind name:s:airplane_mode_on --bind value:s:1")
    assert ok(sh, "settings get global airplane_mode_on") == "1\n"


def test_provider_errors_go_to_stderr_with_exit_zero(sh: ToolShell) -> None:
    unknown = sh("content query --uri content://nope/things")
    assert (unknown.status, unknown.out) == (0, b"")
    lines = unknown.stderr.splitlines()
    assert lines[:2] == ["Error while accessing provider:nope",
                         "java.lang.IllegalStateException: Could not find provider: nope"]
    assert lines[2].startswith("\tat com.android.commands.content.Content")
    injection = sh(["content", "query", "--uri", "content://sms", "--where", "1=1; DROP TABLE sms"])
    assert injection.status == 0
    assert injection.stderr.startswith("Error while accessing provider:sms\n"
                                       "android.database.sqlite.SQLiteException: ")
    column = sh("content query --uri content://sms --projection nope")
    assert "no such column: nope" in column.stderr


def test_usage_errors(sh: ToolShell) -> None:
    no_uri = sh("content query")
    assert no_uri.status == 0 and no_uri.stdout.startswith("usage: adb shell content [subcommand] [options]\n")
    assert no_uri.stdout.endswith(
        "\n[ERROR] Content provider URI not specified. Did you specify --uri argument?\n")
    bad = sh("content insert --uri content://sms --bind a:b:c:d")
    assert bad.stdout.endswith("[ERROR] Invalid binding: a:b:c:d\n")
    assert sh("content frob").stdout.endswith("[ERROR] Unsupported operation: frob\n")


def test_constraint_violation_is_reported_not_raised(sh: ToolShell) -> None:
    result = sh("content insert --uri content://settings/secure --bind value:s:orphan")
    assert result.status == 0
    assert result.stderr.startswith("Error while accessing provider:settings\n"
                                    "android.database.sqlite.SQLiteConstraintException: ")
