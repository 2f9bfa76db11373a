"""``screencap`` and ``uiautomator dump``: the front screen as a PNG and as a window dump."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

from harness.errors import VirtualPhoneError
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.ui.screen import current_screen, dump_xml, render_png

DEFAULT_DUMP_PATH = "/sdcard/window_dump.xml"
_TTY_PATHS = ("/dev/tty", "/dev/stdout")
_PIXEL_FORMAT_RGBA_8888 = 1


def _writable(ctx: ToolContext, path: str) -> tuple[Path | None, str]:
    """The host file for a device path the shell may write, or (None, strerror)."""
    try:
        host = ctx.phone.device_path(path, ctx.cwd)
    except VirtualPhoneError:
        return None, "No such file or directory"
    if host.is_relative_to((ctx.phone.fs_root / "system").resolve()):
        return None, "Read-only file system"
    if not host.parent.is_dir():
        return None, "No such file or directory"
    return host, ""


def _png(ctx: ToolContext) -> bytes:
    width, height = ctx.phone.screen_size()
    return render_png(current_screen(ctx.processes).hierarchy(width, height), width, height)


def screencap(ctx: ToolContext, argv: list[str]) -> int:
    """``screencap [-p] [FILE]``; without -p or a ``.png`` name, raw RGBA after a 16-byte header [U]."""
    as_png = False
    target: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "-p":
            as_png = True
        elif arg == "-d":
            next(args, None)
        elif arg in ("-h", "--help"):
            ctx.eprint("usage: screencap [-hp] [-d display-id] [FILENAME]\n   -h: this message\n"
                       "   -p: save the file as a png.\n   -d: specify the display ID to capture\n"
                       "If FILENAME ends with .png it will be saved as a png.\n"
                       "If FILENAME is not given, the results will be printed to stdout.")
            return 0
        else:
            target = arg
    png = _png(ctx)
    if not (as_png or (target or "").endswith(".png")):
        image = Image.open(io.BytesIO(png)).convert("RGBA")
        header = struct.pack("<4I", image.width, image.height, _PIXEL_FORMAT_RGBA_8888, 0)
        data = header + image.tobytes()
    else:
        data = png
    if target is None:
        ctx.out(data)
        return 0
    host, error = _writable(ctx, target)
    if host is None:
        ctx.eprint(f"Error opening file: {target} ({error})")
        return 1
    host.write_bytes(data)
    return 0


def uiautomator(ctx: ToolContext, argv: list[str]) -> int:
    """``uiautomator dump [--compressed] [FILE]``; other subcommands are not available."""
    if not argv or argv[0] != "dump":
        ctx.print("Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\n"
                  "help: displays help message\n\n"
                  "dump: creates an XML dump of current UI hierarchy\n"
                  "    dump [--verbose][file]\n"
                  "      [--compressed]: dumps compressed layout information.\n"
                  "      [file]: the location where the dumped XML should be stored, default is\n"
                  "      /sdcard/window_dump.xml\n")
        return 0
    operands = [a for a in argv[1:] if not a.startswith("--")]
    path = operands[0] if operands else DEFAULT_DUMP_PATH
    width, height = ctx.phone.screen_size()
    xml = dump_xml(current_screen(ctx.processes).hierarchy(width, height), width, height)
    if path in _TTY_PATHS:
        ctx.out(xml.encode("utf-8"))
    else:
        host, error = _writable(ctx, path)
        if host is None:
            # DumpCommand only logs a failed write and still reports success.
            ctx.phone.log("E", "AccessibilityNodeInfoDumper", f"failed to dump window to file: {path}: {error}",
                          pid=0)
        else:
            host.write_text(xml, encoding="utf-8")
    ctx.print(f"UI hierchary dumped to: {path}")
    return 0
