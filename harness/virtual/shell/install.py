"""What the daemon writes into the phone's ``/system/bin`` and ``/system/xbin`` at start-up.

``vphone-tool`` (the service tools' client) with one link per tool name, ``toybox`` with its hash
applets, ``nc`` (and ``netcat``), ``sh``, and ``su`` in /system/xbin on rooted phones.  The Python
ones are the modules of ``harness.virtual.shell.onphone``, copied as scripts run by the base
interpreter under ``python -I -S``: inside the sandbox nothing of the harness is importable.
``install_frida_server`` puts the stand-in ``/data/local/tmp/frida-server`` on phones whose
profile has one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.virtual.shell.onphone import netcat, su, toolclient, toybox

#: /system/bin name -> the on-phone module installed under it.
ON_PHONE_PROGRAMS = {"vphone-tool": toolclient.__file__, "toybox": toybox.__file__, "nc": netcat.__file__}
#: /system/xbin name -> the on-phone module installed under it on rooted phones only.
ROOT_PROGRAMS = {"su": su.__file__}
FRIDA_SERVER_PATH = "/data/local/tmp/frida-server"
#: The phone's python: the base interpreter (no virtualenv), run as ``python3 -I -S``.
PHONE_PYTHON = Path(sys.base_prefix) / "bin" / "python3"


def _install_script(path: Path, source_file: str) -> None:
    """A standard-library module as an executable of the sandbox, run by the base interpreter."""
    source = Path(source_file).read_text(encoding="utf-8")
    path.write_text(f"#!{PHONE_PYTHON} -IS\n{source}", encoding="utf-8")
    path.chmod(0o755)


def install_tool_clients(fs_root: Path, tool_names: list[str], rooted: bool) -> None:
    """Write /system/bin/vphone-tool and one link per tool, /system/bin/toybox with its hash applets,
    /system/bin/sh, and su on rooted phones."""
    bin_dir = fs_root / "system" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, source_file in ON_PHONE_PROGRAMS.items():
        _install_script(bin_dir / name, source_file)
    toybox_applets = sorted(toybox.HASHES)
    for name in [*tool_names, *toybox_applets, "sh", "netcat"]:
        link = bin_dir / name
        if link.is_symlink() or link.exists():
            link.unlink()
    for name in tool_names:
        (bin_dir / name).symlink_to("vphone-tool")
    for name in toybox_applets:     # as on Android: /system/bin/md5sum -> toybox
        (bin_dir / name).symlink_to("toybox")
    (bin_dir / "netcat").symlink_to("nc")
    (bin_dir / "sh").symlink_to("/bin/sh")
    xbin = fs_root / "system" / "xbin"
    xbin.mkdir(exist_ok=True)
    for name, source_file in ROOT_PROGRAMS.items():
        # su: a client of the daemon's root shells (``harness.virtual.shell.su``)
        if rooted:
            _install_script(xbin / name, source_file)
        else:
            (xbin / name).unlink(missing_ok=True)


def install_frida_server(data_dir: Path, version: str) -> Path:
    """``/data/local/tmp/frida-server`` (``data_dir`` is the phone's /data), unless a file is there.

    It stands for frida-server ``version``, which the phone's frida portal is: ``--version`` prints
    it, ``-D`` returns at once (the server already runs), and run in the foreground it waits until
    it is killed.  A file pushed over it is left alone, and runs as what it is.
    """
    path = data_dir / FRIDA_SERVER_PATH.removeprefix("/data/")
    if path.exists() or path.is_symlink():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/system/bin/sh\n"
        f"# frida-server {version} of the virtual phone: the phone's frida portal serves tcp:27042.\n"
        'case "$1" in\n'
        f"  --version) echo {version}; exit 0;;\n"
        '  -h|--help) echo "Usage:"; echo "  frida-server [OPTION…]"; exit 0;;\n'
        "esac\n"
        'for arg in "$@"; do case "$arg" in -D|--daemonize) exit 0;; esac; done\n'
        "exec sleep 2147483647\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path
