"""The confinement of the virtual phone's shell: a bubblewrap sandbox with Android's layout.

Inside, ``/data``, ``/sdcard``, ``/system`` (and ``/apex``, where the phone has one) are the phone's
state folder; the host's programs and libraries are visible read-only (they stand in for toybox);
``/tmp`` is private; the shell runs in its own pid namespace and dies with its adbd stream.
Nothing of the host is writable, so a scenario's ``shell: rm -rf /`` can only damage the virtual
phone, as on a real one.  The phone's ``FsAccess`` decides the rest per uid: the shell gets the
root-only folders of /data read-only; root (``su``) gets them writable, and on a rooted phone the
system CA store too.

The phone's service tools (``pm``, ``settings``, ...) reach the daemon through a unix socket
bound at ``/dev/socket/vphone``; Android, too, reaches its system services from the shell.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ToolMissingError
from harness.virtual.system.fs_access import FsAccess

SOCKET_DIR_IN_SANDBOX = "/dev/socket/vphone"
DEVICE_PATH = "/system/bin:/system/xbin:/vendor/bin:/usr/bin:/bin"
_HOST_ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: The host's ways to become root, hidden in the sandbox (a phone has su only if it is rooted, and
#: then /system/xbin/su, which comes first on the PATH): /dev/null over them, which the shell
#: neither lists (``command -v``, ``which``) nor runs.
_HOST_ROOT_PROGRAMS = ("/usr/bin/su", "/usr/bin/sudo", "/usr/sbin/su", "/usr/sbin/sudo", "/bin/su", "/sbin/su")


def bwrap_path() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise ToolMissingError(
            "the virtual phone's shell needs bubblewrap: install it (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    return path


@dataclass(frozen=True)
class SandboxLayout:
    """Where the phone's filesystem and the daemon's tool socket live on the host."""

    fs_root: Path          # STATE/fs with data/, sdcard/, system/
    socket_dir: Path       # host folder holding the tool socket
    hostname: str = "localhost"
    hosts_file: Path | None = None  # the phone's name resolution (its "internet")
    access: FsAccess | None = None  # who may write where (None: /data all writable)

    def command(self, argv: list[str], env: dict[str, str], cwd: str = "/", *, root: bool = False) -> list[str]:
        """The bwrap command line that runs ``argv`` confined, with exactly ``env``; ``root``: with
        the folders only root may write writable."""
        args = [
            bwrap_path(),
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--hostname", self.hostname,
            "--ro-bind", "/usr", "/usr",
            "--ro-bind", "/etc", "/etc",
        ]
        for name in _HOST_ROOT_LINKS:
            host = Path("/") / name
            if host.is_symlink():
                args += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                args += ["--ro-bind", str(host), f"/{name}"]
        for program in _HOST_ROOT_PROGRAMS:
            if os.path.isfile(program) and not Path(program).parent.is_symlink():
                args += ["--ro-bind", "/dev/null", program]
        # The tool clients are Python scripts run by the base interpreter (stdlib only).
        prefix = Path(sys.base_prefix).resolve()
        if not str(prefix).startswith("/usr/"):
            args += ["--ro-bind", str(prefix), str(prefix)]
        args += [
            "--proc", "/proc",
            "--dev", "/dev",
            "--tmpfs", "/tmp",
            "--bind", str(self.fs_root / "data"), "/data",
            "--bind", str(self.fs_root / "sdcard"), "/sdcard",
            "--ro-bind", str(self.fs_root / "system"), "/system",
            "--dir", "/storage/emulated",
            "--symlink", "/sdcard", "/storage/emulated/0",
            "--symlink", "/storage/emulated/0", "/storage/self/primary",
        ]
        if (self.fs_root / "apex").is_dir():
            args += ["--ro-bind", str(self.fs_root / "apex"), "/apex"]
        if self.access is not None:
            for host_dir, device_dir in self.access.root_writable() if root else self.access.shell_read_only():
                if host_dir.is_dir():
                    args += ["--bind" if root else "--ro-bind", str(host_dir), device_dir]
        args += [
            "--dir", "/dev/socket",
            "--bind", str(self.socket_dir), SOCKET_DIR_IN_SANDBOX,
            "--chdir", cwd,
            "--clearenv",
        ]
        if self.hosts_file is not None:
            args[args.index("--chdir"):args.index("--chdir")] = ["--ro-bind", str(self.hosts_file), "/etc/hosts"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        return [*args, "--", *argv]


def shell_environment(uid: int, serial: str, loopback: str | None = None) -> dict[str, str]:
    """The environment an ``adb shell`` gets on Android, plus our tool socket and the host address
    of the phone's loopback (for ``nc``)."""
    env = {
        "PATH": DEVICE_PATH,
        "HOME": "/",
        "SHELL": "/system/bin/sh",
        "USER": "root" if uid == 0 else "shell",
        "LOGNAME": "root" if uid == 0 else "shell",
        "ANDROID_ROOT": "/system",
        "ANDROID_DATA": "/data",
        "ANDROID_STORAGE": "/storage",
        "EXTERNAL_STORAGE": "/sdcard",
        "TMPDIR": "/data/local/tmp",
        "HOSTNAME": "localhost",
        "ANDROID_SERIAL": serial,
        "VPHONE_TOOL_SOCKET": f"{SOCKET_DIR_IN_SANDBOX}/tools.sock",
        "VPHONE_UID": str(uid),
    }
    if loopback is not None:
        env["VPHONE_LOOPBACK"] = loopback
    return env
