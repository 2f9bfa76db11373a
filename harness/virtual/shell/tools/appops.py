"""``appops`` (``cmd appops``): get, set and reset app-op modes (AppOpsService.Shell, Android 14).

Per-UID modes are stored with the package's (``--uid`` is accepted and folded in), so the
``Uid mode:`` line Android prints first is never produced.
"""

from __future__ import annotations

import time

from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, Args, unknown_command
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.appstate import AppOpEntry
from harness.virtual.system.permissions import default_mode, op_code, resolve_mode, resolve_op

HELP = """AppOps service (appops) commands:
  help
    Print this text.
  start [--user <USER_ID>] [--attribution <ATTRIBUTION_TAG>] <PACKAGE | UID> <OP>
    Starts a given operation for a particular application.
  stop [--user <USER_ID>] [--attribution <ATTRIBUTION_TAG>] <PACKAGE | UID> <OP>
    Stops a given operation for a particular application.
  set [--user <USER_ID>] <[--uid] PACKAGE | UID> <OP> <MODE>
    Set the mode for a particular application and operation.
  get [--user <USER_ID>] [--attribution <ATTRIBUTION_TAG>] <PACKAGE | UID> [<OP>]
    Return the mode for a particular application and optional operation.
  reset [--user <USER_ID>] [<PACKAGE>]
    Reset the given application or all applications to default modes."""


def format_duration(milliseconds: int) -> str:
    """TimeUtils.formatDuration: ``+1m2s345ms``; once a unit prints, every smaller one follows."""
    if milliseconds == 0:
        return "0"
    sign = "+" if milliseconds > 0 else "-"
    remaining = abs(milliseconds)
    parts = []
    started = False
    for size, unit in ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")):
        value, remaining = divmod(remaining, size)
        if value or started or unit == "ms":
            parts.append(f"{value}{unit}")
            started = True
    return sign + "".join(parts)


def _line(entry: AppOpEntry, now: float) -> str:
    text = f"{entry.op}: {entry.mode or default_mode(entry.op)}"
    if entry.time is not None:
        text += f"; time={format_duration(int((now - entry.time) * 1000))} ago"
    if entry.reject_time is not None:
        text += f"; rejectTime={format_duration(int((now - entry.reject_time) * 1000))} ago"
    if entry.duration_ms is not None:
        text += f"; duration={format_duration(entry.duration_ms)}"
    return text


def _package_arg(ctx: ToolContext, args: Args) -> str | None:
    """The PACKAGE | UID operand after options; prints the Android error and returns None if bad."""
    while (option := args.next_option()) is not None:
        if option in ("--user", "--attribution"):
            args.next()
    target = args.next()
    if target is None:
        ctx.eprint("Error: Package name not specified.")
        return None
    if target.isdigit():
        spec = next((p for p in ctx.phone.packages() if p.uid == int(target)), None)
    else:
        spec = ctx.phone.package(target)
    if spec is None:
        ctx.eprint(f"Error: No UID for {target} in user 0")
        return None
    return spec.name


def _get(ctx: ToolContext, args: Args) -> int:
    package = _package_arg(ctx, args)
    if package is None:
        return EXIT_JAVA_ERROR
    wanted: str | None = None
    op_text = args.next()
    if op_text is not None:
        wanted = resolve_op(op_text)
        if wanted is None:
            ctx.eprint(f"Error: Unknown operation string: {op_text}")
            return EXIT_JAVA_ERROR
    entries = sorted((e for e in ctx.phone.app_ops(package) if wanted in (None, e.op)), key=lambda e: op_code(e.op))
    if not entries:
        ctx.print("No operations.")
        if wanted is not None:
            ctx.print(f"Default mode: {default_mode(wanted)}")
        return 0
    now = time.time()
    ctx.out("".join(_line(e, now) + "\n" for e in entries).encode("utf-8"))
    return 0


def _set(ctx: ToolContext, args: Args) -> int:
    package = _package_arg(ctx, args)
    if package is None:
        return EXIT_JAVA_ERROR
    op_text = args.next()
    if op_text is None:
        ctx.eprint("Error: Operation not specified.")
        return EXIT_JAVA_ERROR
    op = resolve_op(op_text)
    if op is None:
        ctx.eprint(f"Error: Unknown operation string: {op_text}")
        return EXIT_JAVA_ERROR
    mode_text = args.next()
    if mode_text is None:
        ctx.eprint("Error: Mode not specified.")
        return EXIT_JAVA_ERROR
    mode = resolve_mode(mode_text)
    if mode is None:
        ctx.eprint(f"Error: Mode {mode_text} is not valid")
        return EXIT_JAVA_ERROR
    ctx.phone.set_app_op(package, op, mode)
    return 0


def _reset(ctx: ToolContext, args: Args) -> int:
    while (option := args.next_option()) is not None:
        if option == "--user":
            args.next()
    package = args.next()
    if package is not None and ctx.phone.package(package) is None:
        ctx.eprint(f"Error: No UID for {package} in user 0")
        return EXIT_JAVA_ERROR
    ctx.phone.reset_app_ops(package)
    ctx.print(f"Reset all modes for: user 0, {'package ' + package if package else 'all packages'}")
    return 0


def appops(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    verb = args.next()
    if verb is None or verb in ("help", "-h"):
        ctx.print(HELP)
        return EXIT_JAVA_ERROR if verb is None else 0
    if verb == "get":
        return _get(ctx, args)
    if verb == "set":
        return _set(ctx, args)
    if verb == "reset":
        return _reset(ctx, args)
    return unknown_command(ctx, verb)
