"""What the daemon writes into the phone's ``/system/bin`` and ``/system/xbin`` at start-up.

``vphone-tool`` (the service tools' client) with one link per tool name, ``toybox`` with its hash
applets, ``sh``, and ``su`` on rooted phones.  The Python ones are the modules of
``harness.virtual.shell.onphone``, copied as scripts run by the base interpreter under
``python -I -S``: inside the sandbox nothing of the harness is importable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.virtual.shell.onphone import toolclient, toybox

#: /system/bin name -> the on-phone module installed under it.
ON_PHONE_PROGRAMS = {"vphone-tool": toolclient.__file__, "toybox": toybox.__file__}
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
    for name in [*tool_names, *toybox_applets, "sh"]:
        link = bin_dir / name
        if link.is_symlink() or link.exists():
            link.unlink()
    for name in tool_names:
        (bin_dir / name).symlink_to("vphone-tool")
    for name in toybox_applets:     # as on Android: /system/bin/md5sum -> toybox
        (bin_dir / name).symlink_to("toybox")
    (bin_dir / "sh").symlink_to("/bin/sh")
    xbin = fs_root / "system" / "xbin"
    xbin.mkdir(exist_ok=True)
    su = xbin / "su"
    if rooted:
        # Magisk-style su: `su -c CMD`, `su 0 CMD`, `su root CMD`, or an interactive root shell.
        su.write_text(
            "#!/bin/sh\n"
            "export VPHONE_UID=0 USER=root LOGNAME=root\n"
            'case "$1" in 0|root) shift;; esac\n'
            'if [ "$1" = "-c" ]; then shift; exec /bin/sh -c "$*"; fi\n'
            'if [ $# -gt 0 ]; then exec /bin/sh -c "$*"; fi\n'
            "exec /bin/sh\n",
            encoding="utf-8",
        )
        su.chmod(0o755)
    else:
        su.unlink(missing_ok=True)
