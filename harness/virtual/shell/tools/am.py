"""``am`` (``cmd activity``) start/force-stop/kill/broadcast and ``monkey -p PKG ... 1``.

``am broadcast`` is in ``am_broadcast``.

``am start`` follows ActivityManagerShellCommand.runStartActivity: ``Starting: Intent {...}`` on
stdout, results on stderr (stdout with ``-W``), exit 0 even when nothing started.  An app's only
known activity is its launcher activity; any other class "does not exist".
"""

from __future__ import annotations

import time

from harness.errors import VirtualPhoneError
from harness.virtual.runtime.intent import FLAG_ACTIVITY_NEW_TASK, FLAG_OPTIONS, Intent
from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, Args, java_exception, unknown_command
from harness.virtual.shell.tools.am_broadcast import broadcast
from harness.virtual.shell.tools.base import ToolContext

ACTION_MAIN = "android.intent.action.MAIN"
CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER"
CATEGORY_HOME = "android.intent.category.HOME"
_EXTRA_OPTIONS = {"-e", "--es", "--ez", "--ei", "--el", "--ef", "--ed", "--eu", "--ecn", "--eia", "--eial",
                  "--ela", "--elal", "--efa", "--efal", "--esa", "--esal", "--eda", "--edal"}
_VALUE_OPTIONS = {"--user", "-R", "-P", "--start-profiler", "--sampling", "--display", "--windowingMode",
                  "--activityType", "--task", "--attach-agent", "--attach-agent-bind", "-t", "--receiver-permission"}


def parse_intent(args: Args, options: set[str]) -> Intent:
    """Intent.parseCommandArgs, reduced: collects am's own flags (``-W``, ``-S``...) in ``options``."""
    intent = Intent()
    while (option := args.next_option()) is not None:
        if option == "-a":
            intent.action = args.next()
        elif option == "-c":
            intent.categories.append(args.next() or "")
        elif option == "-d":
            intent.data = args.next()
        elif option == "-t":
            intent.mime_type = args.next()
        elif option == "-n":
            intent.component = _component(args.next() or "")
        elif option == "-p":
            intent.package = args.next()
        elif option == "-f":
            text = args.next() or ""
            try:
                intent.flags |= int(text, 0)
            except ValueError:
                raise ValueError(f'For input string: "{text}"') from None
        elif option in _EXTRA_OPTIONS:
            key = args.next() or ""
            intent.extras[key] = args.next() or ""
        elif option == "--esn":
            intent.extras[args.next() or ""] = ""
        elif option in FLAG_OPTIONS:
            intent.flags |= FLAG_OPTIONS[option]
        elif option in _VALUE_OPTIONS:
            args.next()
        else:
            options.add(option)
    target = args.next()
    if target is not None:
        if ":" in target:
            intent.data = target
        elif "/" in target:
            intent.component = _component(target)
        else:
            intent.package = target
    return intent


def _component(text: str) -> tuple[str, str]:
    package, _, cls = text.partition("/")
    return package, cls


def _start(ctx: ToolContext, args: Args) -> int:
    options: set[str] = set()
    try:
        intent = parse_intent(args, options)
    except ValueError as exc:   # a bad -f number, as Integer.decode would reject it
        return java_exception(ctx, "start", "java.lang.NumberFormatException", str(exc), service="activity")
    wait = "-W" in options
    ctx.print(f"Starting: {intent}")
    intent.flags |= FLAG_ACTIVITY_NEW_TASK
    result = ctx.out if wait else ctx.err
    started = time.monotonic()
    phone, processes = ctx.phone, ctx.processes
    target: tuple[str, str] | None = None
    if intent.component is not None:
        package, cls = intent.component
        full = package + cls if cls.startswith(".") else cls
        spec = phone.package(package)
        if spec is None or spec.launcher_activity is None or spec.full_class(spec.launcher_activity) != full:
            result(f"Error type 3\nError: Activity class {{{package}/{full}}} does not exist.\n".encode())
            return 0
        target = package, full
    elif intent.action == ACTION_MAIN and CATEGORY_HOME in intent.categories:
        target = phone.profile.launcher_package, ""
    elif intent.action == ACTION_MAIN and intent.package and (spec := phone.package(intent.package)) \
            and spec.launcher_activity and set(intent.categories) <= {CATEGORY_LAUNCHER}:
        target = spec.name, spec.full_class(spec.launcher_activity)
    if target is None:
        result(f"Error: Activity not started, unable to resolve {intent}\n".encode())
        return 0
    package, activity = target
    short = activity[len(package):] if activity.startswith(package + ".") else activity
    if package == phone.profile.launcher_package:
        phone.log("I", "ActivityTaskManager",
                  f"START u0 {{{intent.short()}}} with LAUNCH_SINGLE_TASK from uid {ctx.uid} "
                  "(BAL_ALLOW_PERMISSION) result code=0", buffer="system")
        processes.go_home()
        launch_state, total = "HOT", 0
    else:
        if "-S" in options:
            processes.stop(package)
        if processes.foreground() == package:
            result(b"Warning: Activity not started, intent has been delivered to currently running "
                   b"top-most instance.\n")
            launch_state, total = "UNKNOWN (0)", -1
        elif processes.activity_of(package):     # running, with its activity (a task)
            result(b"Warning: Activity not started, its current task has been brought to the front\n")
            launch_state, total = "HOT", 0
        else:   # a process started for a broadcast has no activity yet: it is launched in that process
            launch_state, total = ("WARM" if processes.is_running(package) else "COLD"), 0
        try:
            processes.start(package, activity, intent=intent.short(), caller_uid=ctx.uid)
        except VirtualPhoneError:
            return 0    # logged by the process table; `am start` has already reported "Starting"
    if wait:
        elapsed = int((time.monotonic() - started) * 1000)
        lines = ["Status: ok", f"LaunchState: {launch_state}", f"Activity: {package}/{short or '.Launcher'}"]
        if total >= 0:
            lines.append(f"TotalTime: {elapsed}")
        lines += [f"WaitTime: {elapsed}", "Complete"]
        ctx.out(("\n".join(lines) + "\n").encode())
    return 0


def _force_stop(ctx: ToolContext, args: Args, verb: str) -> int:
    while (option := args.next_option()) is not None:
        if option == "--user":
            args.next()
    package = args.next()
    if package is None:
        ctx.eprint(f"Error: no package specified for {verb}")    # [U] wording
        return EXIT_JAVA_ERROR
    spec = ctx.phone.package(package)
    if verb == "kill" and ctx.processes.foreground() == package:
        return 0    # `am kill` only kills processes that are safe to kill (not the one in front)
    if spec is not None and verb == "force-stop":
        ctx.phone.log("I", "ActivityManager", f"Force stopping {package} appid={spec.uid} user=0: from pid 0",
                      buffer="system")
    ctx.processes.stop(package, reason=f"stop {package} due to from pid 0" if verb == "force-stop" else "kill")
    return 0


def am(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    verb = args.next()
    if verb is None or verb in ("help", "-h"):
        ctx.print("Activity manager (activity) commands:\n  help\n      Print this help text.\n"
                  "  start-activity [-D] [-N] [-W] [-P <FILE>] [--start-profiler <FILE>] [-S] <INTENT>\n"
                  "  force-stop [--user <USER_ID> | all | current] <PACKAGE>\n"
                  "  kill [--user <USER_ID> | all | current] <PACKAGE>\n"
                  "  broadcast [--user <USER_ID> | all | current] <INTENT>")
        return EXIT_JAVA_ERROR if verb is None else 0
    if verb in ("start", "start-activity"):
        return _start(ctx, args)
    if verb in ("force-stop", "kill"):
        return _force_stop(ctx, args, verb)
    if verb == "broadcast":
        return broadcast(ctx, parse_intent(args, set()))
    if verb in ("start-service", "startservice", "start-foreground-service", "startforegroundservice"):
        intent = parse_intent(args, set())
        ctx.print(f"Starting service: {intent}")
        ctx.eprint("Error: Not found; no service started.")
        return 0
    return unknown_command(ctx, verb)


def monkey(ctx: ToolContext, argv: list[str]) -> int:
    """``monkey -p PKG [-c CATEGORY] [-v] COUNT``: launch the package's launcher activity.

    Exit status 252 (Monkey's -4) when nothing can be launched [U].
    """
    ctx.err(("args: [" + ", ".join(argv) + "]\n" + "".join(f' arg: "{a}"\n' for a in argv)).encode())
    packages: list[str] = []
    args = Args(argv)
    while (option := args.next_option()) is not None:
        value = args.next() if option in ("-p", "-c", "-s", "--throttle", "--pct-touch", "--pct-motion",
                                           "--pct-syskeys", "--pct-appswitch", "--pct-anyevent") else None
        if option == "-p" and value:
            packages.append(value)
    for value in packages:
        ctx.err(f'data="{value}"\n'.encode())
    launchable = [s for s in (ctx.phone.package(p) for p in packages) if s is not None and s.launcher_activity]
    if not launchable:
        ctx.eprint("** No activities found to run, monkey aborted.")
        return 252
    spec = launchable[0]
    started = time.monotonic()
    try:
        ctx.processes.start(spec.name, spec.full_class(spec.launcher_activity or ".MainActivity"),
                            caller_uid=ctx.uid)
    except VirtualPhoneError:
        ctx.eprint(f"** Monkey aborted due to error: could not start {spec.name}")    # [U] wording
        return 252
    elapsed = max(1, int((time.monotonic() - started) * 1000))
    ctx.print("Events injected: 1")
    ctx.print(f"## Network stats: elapsed time={elapsed}ms (0ms mobile, 0ms wifi, {elapsed}ms not connected)")
    return 0
