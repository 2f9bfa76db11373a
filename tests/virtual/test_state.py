from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

from harness.errors import VirtualPhoneError
from harness.virtual.profile.load import load_profile
from harness.virtual.system.provider_sql import ProviderSqlError
from harness.virtual.system.state import PermissionGrant, PhoneState

DEFAULT_YAML = Path(__file__).parents[2] / "harness" / "virtual" / "profile" / "profiles" / "default.yaml"


@pytest.fixture
def state(tmp_path: Path) -> PhoneState:
    return PhoneState.create(tmp_path / "state", load_profile("default"))


def test_layout(state: PhoneState) -> None:
    fs = state.fs_root
    assert (fs / "data" / "local" / "tmp").is_dir()
    assert (fs / "data" / "data" / "com.example.messenger").is_dir()
    assert (fs / "sdcard").is_dir()
    build_prop = (fs / "system" / "build.prop").read_text()
    assert "ro.build.fingerprint=google/panther/panther:14/UP1A.231005.007/10754064:user/release-keys" in build_prop
    for spec in state.packages():
        with zipfile.ZipFile(state.device_path(spec.apk_path)) as apk:
            assert "AndroidManifest.xml" in apk.namelist()
    assert not (fs / "vphone").exists() and (state.state_dir / "vphone" / "settings.db").exists()


def test_props_are_consistent(state: PhoneState) -> None:
    props = state.props
    assert props["ro.build.version.sdk"] == "34"
    assert props["ro.product.model"] == "Pixel 7"
    assert props["ro.serialno"] == "28161FDH2000GT"
    assert props["ro.vendor.build.fingerprint"] == props["ro.build.fingerprint"]
    assert props["ro.debuggable"] == "0"


def test_device_path_mapping(state: PhoneState) -> None:
    fs = state.fs_root.resolve()
    assert state.device_path("/data/local/tmp/x") == fs / "data" / "local" / "tmp" / "x"
    for alias in ("/sdcard/a.txt", "/storage/emulated/0/a.txt", "/storage/self/primary/a.txt"):
        assert state.device_path(alias) == fs / "sdcard" / "a.txt"
    assert state.device_path("b.txt", cwd="/sdcard/Download") == fs / "sdcard" / "Download" / "b.txt"
    assert state.device_path("/system/build.prop") == fs / "system" / "build.prop"


@pytest.mark.parametrize("path", ["/etc/passwd", "/", "/data/../etc", "/sdcard/../../../../etc/passwd",
                                  "/proc/self", "/datax/y"])
def test_device_path_cannot_escape(state: PhoneState, path: str) -> None:
    with pytest.raises(VirtualPhoneError, match="No such file or directory"):
        state.device_path(path)


def test_device_path_does_not_follow_symlinks_out(state: PhoneState, tmp_path: Path) -> None:
    (state.fs_root / "data" / "local" / "tmp" / "out").symlink_to(tmp_path)
    with pytest.raises(VirtualPhoneError):
        state.device_path("/data/local/tmp/out/secret")


def test_state_survives_reopen(state: PhoneState) -> None:
    state.put_setting("global", "airplane_mode_on", "1")
    state.set_permission("com.example.messenger", "android.permission.READ_CONTACTS", False, ("USER_SET",))
    state.set_app_op("com.example.weather", "FINE_LOCATION", "ignore")
    state.set_display_overrides((720, 1600), 320)
    state.record_input("tap", x=1, y=2)
    state.log("I", "Test", "hello")
    state.providers.insert("content://sms/inbox", {"address": "+15550001", "body": "hi"})
    again = PhoneState.open(state.state_dir)
    assert again.get_setting("global", "airplane_mode_on") == "1"
    grant = again.permission_grants("com.example.messenger")["android.permission.READ_CONTACTS"]
    assert (grant.granted, grant.flags) == (False, ("USER_SET",))
    assert [(e.op, e.mode) for e in again.app_ops("com.example.weather")] == [("FINE_LOCATION", "ignore")]
    assert again.screen_size() == (720, 1600)
    assert again.input_events()[0]["kind"] == "tap"
    assert again.logbuffer.entries()[-1].message == "hello"
    assert again.providers.query("content://sms/inbox", "body")[1] == [("hi",)]


def test_settings_defaults(state: PhoneState) -> None:
    assert state.get_setting("secure", "android_id") == "3f1c9a7be2d04c51"
    assert state.get_setting("global", "airplane_mode_on") == "0"
    assert state.get_setting("secure", "upload_log_pref") is None


def test_open_or_create(tmp_path: Path) -> None:
    first = PhoneState.open_or_create(tmp_path / "s", "default")
    first.put_setting("system", "x", "1")
    assert PhoneState.open_or_create(tmp_path / "s", "default").get_setting("system", "x") == "1"
    other = tmp_path / "other.yaml"
    other.write_text(DEFAULT_YAML.read_text().replace("name: default", "name: other", 1))
    with pytest.raises(VirtualPhoneError, match="made from profile 'default', not 'other'"):
        PhoneState.open_or_create(tmp_path / "s", str(other))
    with pytest.raises(VirtualPhoneError, match="already exists"):
        PhoneState.create(tmp_path / "s", load_profile("default"))
    with pytest.raises(VirtualPhoneError, match="no virtual phone"):
        PhoneState.open(tmp_path / "empty")


def test_clear_app_data_resets_runtime_permissions(state: PhoneState) -> None:
    data = state.device_path("/data/data/com.example.messenger")
    (data / "prefs.xml").write_text("x")
    state.set_permission("com.example.messenger", "android.permission.READ_PHONE_STATE", True, ("USER_SET",))
    state.clear_app_data("com.example.messenger")
    assert data.is_dir() and not any(data.iterdir())
    grants = state.permission_grants("com.example.messenger")
    assert not grants["android.permission.READ_PHONE_STATE"].granted
    assert grants["android.permission.READ_CONTACTS"] == PermissionGrant("android.permission.READ_CONTACTS", False)
    state.clear_app_data("com.android.phone")     # system-fixed grants survive a clear
    assert state.permission_grants("com.android.phone")["android.permission.READ_CONTACTS"].granted


def test_where_clause_is_never_sql(state: PhoneState) -> None:
    state.providers.insert("content://sms/inbox", {"address": "a'b", "body": "x"})
    _, rows = state.providers.query("content://sms", "address", "address='a''b' AND type=1")
    assert rows == [("a'b",)]
    for bad in ("1=1", "address='x' OR 1=1", "address=(SELECT 1)", "body='x'; DROP TABLE sms", "nope=1"):
        with pytest.raises(ProviderSqlError):
            state.providers.query("content://sms", None, bad)
    assert len(state.providers.query("content://sms")[1]) == 1


def test_concurrent_mutations_are_all_kept(state: PhoneState) -> None:
    def put(index: int) -> None:
        state.put_setting("system", f"key{index}", str(index))
        state.set_app_op("com.example.weather", f"OP{index}", "allow")
    threads = [threading.Thread(target=put, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reopened = PhoneState.open(state.state_dir)
    assert all(reopened.get_setting("system", f"key{i}") == str(i) for i in range(12))
    assert len(reopened.app_ops("com.example.weather")) == 12
