"""``PhoneState``: the persistent, thread-safe state of one virtual phone.

Layout of a state folder::

    STATE/fs/data/          the device's /data (local/tmp, data/<pkg>/, app/~~.../base.apk)
    STATE/fs/sdcard/        /sdcard = /storage/emulated/0 = /storage/self/primary
    STATE/fs/system/        /system (build.prop, priv-app/X/X.apk; read-only to the shell)
    STATE/vphone/           private service state, never visible to the device shell:
        phone.json          format version, profile name, creation time
        profile.yaml        the profile the phone was made from (a copy: the phone outlives edits)
        packages.json       installed packages (profile ones plus `pm install`ed ones)
        permissions.json    per package: runtime/development permission grants and flags
        appops.json         per package: app-op modes and last access
        display.json        `wm size`/`wm density` overrides
        input.jsonl         every injected input event, in order
        settings.db contacts2.db mmssms.db calllog.db   providers (SQLite)
        logcat.db           the log buffers

Every mutation is written before the method returns (JSON via write-then-rename, SQLite by
commit), so the phone keeps its state across daemon restarts.  One lock serialises the JSON
stores; the SQLite stores handle their own concurrency.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from harness.errors import ProfileError, VirtualPhoneError
from harness.virtual.profile.buildprops import build_prop_text, build_properties
from harness.virtual.profile.load import load_profile, profile_from_text
from harness.virtual.profile.spec import PackageSpec, Profile
from harness.virtual.system.appstate import AppOpEntry, AppStore, PermissionGrant
from harness.virtual.system.jsonfile import read_json, write_json
from harness.virtual.system.location import LocationService
from harness.virtual.system.logbuffer import SYSTEM_SERVER_PID, LogBuffer
from harness.virtual.system.providers import ProviderStore

__all__ = ["STATE_FORMAT", "SYSTEM_SERVER_PID", "AppOpEntry", "PermissionGrant", "PhoneState"]

log = logging.getLogger(__name__)

STATE_FORMAT = 1
_MOUNTS = {"/data": "data", "/sdcard": "sdcard", "/storage/emulated/0": "sdcard",
           "/storage/self/primary": "sdcard", "/system": "system"}


class PhoneState:
    """One phone's state folder.  Use ``create``, ``open`` or ``open_or_create``."""

    def __init__(self, state_dir: Path, profile: Profile) -> None:
        self._state_dir = state_dir
        self._profile = profile
        self._lock = threading.RLock()
        self._vphone = state_dir / "vphone"
        self._props = build_properties(profile)
        self.providers = ProviderStore(self._vphone)
        self.logbuffer = LogBuffer(self._vphone / "logcat.db")
        self.apps = AppStore(self._vphone, self._lock, self.device_path)
        # The switch is a setting (persistent); test providers are memory only, gone at reboot as on Android.
        self.location = LocationService(lambda: self.get_setting("secure", "location_mode"),
                                        lambda mode: self.put_setting("secure", "location_mode", mode))

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    def create(cls, state_dir: Path, profile: Profile) -> PhoneState:
        state_dir = Path(state_dir)
        if not profile.source:
            raise VirtualPhoneError(f"profile {profile.name!r} has no YAML source; load it with load_profile")
        if (state_dir / "vphone" / "phone.json").exists():
            raise VirtualPhoneError(f"{state_dir}: a virtual phone already exists there")
        for folder in ("vphone", "fs/data/local/tmp", "fs/data/data", "fs/data/app", "fs/sdcard/Download",
                       "fs/sdcard/DCIM", "fs/sdcard/Pictures", "fs/sdcard/Android/data", "fs/system/bin"):
            (state_dir / folder).mkdir(parents=True, exist_ok=True)
        (state_dir / "vphone" / "profile.yaml").write_text(profile.source, encoding="utf-8")
        phone = cls(state_dir, profile)
        (phone.fs_root / "system" / "build.prop").write_text(build_prop_text(phone.props), encoding="utf-8")
        write_json(phone._vphone / "display.json", {"size": None, "density": None})
        phone.apps.install_initial(profile.packages)
        phone._seed_settings()
        # Last: an interrupted create leaves no phone.json, so the folder is not mistaken for a phone.
        write_json(phone._vphone / "phone.json",
                    {"format": STATE_FORMAT, "profile": profile.name, "created": time.time()})
        log.info("created virtual phone %s from profile %s", state_dir, profile.name)
        return phone

    @classmethod
    def open(cls, state_dir: Path) -> PhoneState:
        state_dir = Path(state_dir)
        meta_path = state_dir / "vphone" / "phone.json"
        if not meta_path.exists():
            raise VirtualPhoneError(f"{state_dir}: no virtual phone there (no vphone/phone.json)")
        meta = read_json(meta_path)
        if meta.get("format") != STATE_FORMAT:
            raise VirtualPhoneError(f"{state_dir}: state format {meta.get('format')} is not {STATE_FORMAT}")
        profile_path = state_dir / "vphone" / "profile.yaml"
        try:
            profile = profile_from_text(profile_path.read_text(encoding="utf-8"), str(profile_path))
        except (OSError, ProfileError) as exc:
            raise VirtualPhoneError(f"{state_dir}: the phone's profile copy does not load: {exc}") from None
        return cls(state_dir, profile)

    @classmethod
    def open_or_create(cls, state_dir: Path, profile_name: str) -> PhoneState:
        """Open the phone in ``state_dir``, or create it from ``profile_name`` (a name or a path)."""
        profile = load_profile(profile_name)
        if not (Path(state_dir) / "vphone" / "phone.json").exists():
            return cls.create(state_dir, profile)
        phone = cls.open(state_dir)
        if phone.profile.name != profile.name:
            raise VirtualPhoneError(
                f"{state_dir}: this phone was made from profile {phone.profile.name!r}, not {profile.name!r};"
                " use another state folder or delete this one")
        return phone

    def _seed_settings(self) -> None:
        ids, b = self._profile.identifiers, self._profile.build
        defaults = {
            "system": {"screen_brightness": "102", "screen_off_timeout": "30000", "font_scale": "1.0",
                       "accelerometer_rotation": "0", "user_rotation": "0", "time_12_24": "12"},
            "secure": {"android_id": ids.android_id, "location_mode": "3", "install_non_market_apps": "1",
                       "bluetooth_name": b.model, "user_setup_complete": "1",
                       "default_input_method":
                           "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"},
            "global": {"airplane_mode_on": "0", "adb_enabled": "1", "development_settings_enabled": "1",
                       "device_name": b.model, "wifi_on": "1", "mobile_data": "1", "bluetooth_on": "0",
                       "auto_time": "1", "stay_on_while_plugged_in": "0", "package_verifier_user_consent": "1",
                       "window_animation_scale": "1.0", "transition_animation_scale": "1.0",
                       "animator_duration_scale": "1.0"},
        }
        for namespace, values in defaults.items():
            self.providers.put_settings(namespace, values)

    # --- identity and paths ------------------------------------------------------------------

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def state_dir(self) -> Path:
        return self._state_dir

    @property
    def fs_root(self) -> Path:
        return self._state_dir / "fs"

    @property
    def vphone_dir(self) -> Path:
        return self._vphone

    @property
    def props(self) -> dict[str, str]:
        return dict(self._props)

    def device_path(self, path: str, cwd: str = "/") -> Path:
        """The host path of a device path; only /data, /sdcard (and aliases) and /system exist."""
        absolute = posixpath.normpath(posixpath.join(cwd or "/", path))
        for mount, folder in sorted(_MOUNTS.items(), key=lambda item: -len(item[0])):
            if absolute == mount or absolute.startswith(mount + "/"):
                base = (self.fs_root / folder).resolve()
                host = (base / absolute[len(mount):].lstrip("/")).resolve()
                # A symlink made inside the sandbox must not lead the daemon out of the phone.
                if host != base and base not in host.parents:
                    break
                return host
        raise VirtualPhoneError(f"{path}: No such file or directory")

    # --- packages, permissions, app-ops (see AppStore) ----------------------------------------

    def packages(self) -> list[PackageSpec]:
        """Packages installed for user 0, in install order."""
        return self.apps.packages()

    def package(self, name: str) -> PackageSpec | None:
        return self.apps.package(name)

    def all_uids(self) -> set[int]:
        return self.apps.all_uids()

    def install_package(self, spec: PackageSpec, apk: bytes, grant_all_runtime: bool = False) -> None:
        """Install (or replace) ``spec`` with ``apk`` as its base.apk; creates its data folder."""
        self.apps.install(spec, apk, grant_all_runtime)

    def uninstall_package(self, name: str, keep_data: bool = False) -> None:
        self.apps.uninstall(name, keep_data)

    def hide_package(self, name: str) -> None:
        self.apps.hide(name)

    def clear_app_data(self, name: str) -> None:
        """``pm clear``: empty the data folders and reset runtime permissions (user choices are lost)."""
        spec = self.package(name)
        if spec is None:
            raise VirtualPhoneError(f"unknown package {name}")
        for folder in (spec.data_dir, f"/sdcard/Android/data/{name}"):
            shutil.rmtree(self.device_path(folder), ignore_errors=True)
        self.device_path(spec.data_dir).mkdir(parents=True)
        self.apps.reset_runtime_permissions(name)

    def permission_grants(self, package: str) -> dict[str, PermissionGrant]:
        """The changeable (runtime and development) permissions of ``package``."""
        return self.apps.permission_grants(package)

    def set_permission(self, package: str, permission: str, granted: bool, flags: tuple[str, ...]) -> None:
        try:
            self.apps.set_permission(package, permission, granted, flags)
        except KeyError as exc:
            raise VirtualPhoneError(str(exc.args[0])) from None

    def app_ops(self, package: str) -> list[AppOpEntry]:
        return self.apps.app_ops(package)

    def set_app_op(self, package: str, op: str, mode: str) -> None:
        self.apps.update_op(package, op, mode=mode)

    def note_app_op(self, package: str, op: str, rejected: bool = False, duration_ms: int | None = None) -> None:
        """Record that ``package`` used ``op`` now (for apps that report their accesses)."""
        self.apps.note_op(package, op, rejected, duration_ms)

    def reset_app_ops(self, package: str | None = None) -> None:
        self.apps.reset_ops(package)

    # --- settings, display, input, log --------------------------------------------------------

    def get_setting(self, namespace: str, key: str) -> str | None:
        return self.providers.get_setting(namespace, key)

    def put_setting(self, namespace: str, key: str, value: str | None) -> None:
        self.providers.put_setting(namespace, key, value)

    def delete_setting(self, namespace: str, key: str) -> int:
        return self.providers.delete_setting(namespace, key)

    def list_settings(self, namespace: str) -> list[tuple[str, str | None]]:
        return self.providers.list_settings(namespace)

    def display_overrides(self) -> tuple[tuple[int, int] | None, int | None]:
        """(``wm size`` override, ``wm density`` override); None where not overridden."""
        with self._lock:
            data = read_json(self._vphone / "display.json")
        size = tuple(data["size"]) if data["size"] else None
        return (size[0], size[1]) if size else None, data["density"]

    def set_display_overrides(self, size: tuple[int, int] | None, density: int | None) -> None:
        with self._lock:
            write_json(self._vphone / "display.json", {"size": list(size) if size else None, "density": density})

    def screen_size(self) -> tuple[int, int]:
        """The logical display size: the override if one is set, else the physical size."""
        override, _ = self.display_overrides()
        return override or (self._profile.screen.width, self._profile.screen.height)

    def record_input(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"ts": time.time(), "kind": kind, **fields}, sort_keys=True)
        with self._lock, open(self._vphone / "input.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def input_events(self) -> list[dict[str, Any]]:
        path = self._vphone / "input.jsonl"
        with self._lock:
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def log(self, priority: str, tag: str, message: str, *, pid: int | None = None, tid: int | None = None,
            buffer: str = "main") -> int:
        """Append a line to the logcat buffer; pid defaults to system_server's."""
        pid = SYSTEM_SERVER_PID if pid is None else pid
        return self.logbuffer.append(priority, tag, message, pid=pid, tid=pid if tid is None else tid, buffer=buffer)
