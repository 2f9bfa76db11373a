"""Who may write where in the phone's filesystem: what Android's mounts and file modes decide.

``/system`` and ``/apex`` are read-only mounts for everyone.  ``/data/misc/user`` (the user CA
store, owned by system) and ``/data/adb`` (Magisk's folder, root's) refuse the shell uid, which
``adb shell`` and adbd's file service run as; root (``su`` on a rooted phone) may write them.
Root on a rooted phone may also write the system CA store ``/system/etc/security/cacerts``: on a
real phone root tools first mount a tmpfs over it (HTTP Toolkit, MagiskTrustUserCerts); the
virtual phone has no mounts to make, so that folder simply is root-writable there.  The sandbox
(``harness.virtual.shell.sandbox``) binds these folders read-only or writable per uid; the sync
service asks ``write_refusal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SYSTEM_CA_STORE = "/system/etc/security/cacerts"
APEX_CA_STORE = "/apex/com.android.conscrypt/cacerts"
USER_CA_STORE = "/data/misc/user/0/cacerts-added"
MAGISK_DIR = "/data/adb/magisk"
#: Folders under /data that only root (and the system) may write.
ROOT_ONLY = ("/data/misc/user", "/data/adb")
#: Read-only mounts, for everyone.
READ_ONLY = ("/system", "/apex")


@dataclass(frozen=True)
class FsAccess:
    """The write rules of one phone's filesystem (``fs_root`` is STATE/fs)."""

    fs_root: Path
    rooted: bool

    def host(self, device_dir: str) -> Path:
        """The host folder of a device folder under /data, /system or /apex."""
        return self.fs_root / device_dir.lstrip("/")

    def prepare(self) -> None:
        """Create the folders the rules name, as a phone has them (idempotent)."""
        for folder in ("/data/misc/user/0", SYSTEM_CA_STORE):
            self.host(folder).mkdir(parents=True, exist_ok=True)
        if self.rooted:
            self.host(MAGISK_DIR).mkdir(parents=True, exist_ok=True)
        else:
            self.host("/data/adb").mkdir(parents=True, exist_ok=True)

    def shell_read_only(self) -> list[tuple[Path, str]]:
        """(host folder, device folder) the shell's sandbox binds read-only."""
        return [(self.host(d), d) for d in ROOT_ONLY]

    def root_writable(self) -> list[tuple[Path, str]]:
        """(host folder, device folder) writable to root inside the read-only mounts."""
        return [(self.host(SYSTEM_CA_STORE), SYSTEM_CA_STORE)] if self.rooted else []

    def write_refusal(self, host_path: Path, uid: int) -> str | None:
        """Why ``uid`` may not create ``host_path`` (a resolved host path of the phone), or None."""
        def under(device_dir: str) -> bool:
            return host_path.is_relative_to(self.host(device_dir).resolve())

        if uid == 0 and self.rooted and under(SYSTEM_CA_STORE):
            return None
        if any(under(d) for d in READ_ONLY):
            return "Read-only file system"
        if uid != 0 and any(under(d) for d in ROOT_ONLY):
            return "Permission denied"
        return None
