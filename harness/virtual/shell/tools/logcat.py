"""``logcat``: dump, clear or follow the phone's log buffers in liblog's line formats.

Supported: ``-d``, ``-c``, ``-g``, ``-G SIZE`` (accepted, ignored), ``-v FORMAT`` (threadtime,
time, brief, tag, process, thread, raw, long), ``-s``, ``-b BUFFER`` (repeatable, comma lists,
``all``, ``default``), ``-t N``, ``-T N``, ``-m N``, ``--pid=PID``, ``-e REGEX`` and
``TAG:PRIORITY`` filter specs.  Without ``-d``/``-t`` it follows the buffer until the caller goes
away (``ctx.cancelled``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.logbuffer import BUFFERS, LogEntry

_DEFAULT_BUFFERS = ("main", "system", "crash")
_LEVELS = "VDIWEFS"
_FORMATS = ("threadtime", "time", "brief", "tag", "process", "thread", "raw", "long")
#: -v modifiers that only change colouring or escaping, which plain ASCII output does not need.
_IGNORED_MODIFIERS = ("color", "colour", "printable", "descriptive")
_FOLLOW_POLL_SECONDS = 0.2


@dataclass
class Options:
    dump: bool = False
    clear: bool = False
    sizes: bool = False
    set_size: bool = False
    fmt: str = "threadtime"
    buffers: list[str] = field(default_factory=list)
    silent: bool = False
    tail: int | None = None
    follow_tail: int | None = None
    max_count: int | None = None
    pid: int | None = None
    regex: re.Pattern[str] | None = None
    specs: dict[str, str] = field(default_factory=dict)


class LogcatUsage(ValueError):
    pass


def _parse(argv: list[str]) -> Options:
    options = Options()
    args = iter(argv)
    for arg in args:
        def value(arg: str = arg) -> str:
            # "-v time", "-vtime" and "--format=time" are all accepted, as by logcat's getopt.
            if arg.startswith("--") and "=" in arg:
                return arg.split("=", 1)[1]
            if not arg.startswith("--") and len(arg) > 2:
                return arg[2:]
            found = next(args, None)
            if found is None:
                raise LogcatUsage(f"option requires an argument -- '{arg.lstrip('-')}'")
            return found
        if arg == "-d":
            options.dump = True
        elif arg == "-c":
            options.clear = True
        elif arg == "-s":
            options.silent = True
        elif arg in ("-g", "--buffer-size"):
            options.sizes = True
        elif arg.startswith("-G"):
            value()
            options.set_size = True     # accepted and ignored: the buffer is bounded by entry count
        elif arg.startswith(("-v", "--format")):
            fmt = value()
            if fmt in _IGNORED_MODIFIERS:
                continue
            if fmt not in _FORMATS:
                raise LogcatUsage(f"Invalid parameter \"{fmt}\" to -v")
            options.fmt = fmt
        elif arg.startswith(("-b", "--buffer")):
            for name in value().split(","):
                chosen = list(BUFFERS) if name == "all" else list(_DEFAULT_BUFFERS) if name == "default" else [name]
                if any(b not in BUFFERS for b in chosen):
                    raise LogcatUsage(f"unknown buffer {name}")
                options.buffers += [b for b in chosen if b not in options.buffers]
        elif arg.startswith(("-t", "-T", "-m", "--max-count")):
            number = value()
            if not number.isdigit():
                raise LogcatUsage(f"-{arg[1]} \"{number}\" isn't an integer greater than zero")
            if arg.startswith("-t"):
                options.tail, options.dump = int(number), True
            elif arg.startswith("-T"):
                options.follow_tail = int(number)
            else:
                options.max_count = int(number)
        elif arg.startswith("--pid"):
            number = value()
            if not number.isdigit():
                raise LogcatUsage(f"--pid \"{number}\" isn't an integer greater than zero")
            options.pid = int(number)
        elif arg.startswith(("-e", "--regex")):
            options.regex = re.compile(value())
        elif arg.startswith("-"):
            raise LogcatUsage(f"unrecognized option '{arg}'")
        else:
            tag, _, level = arg.rpartition(":") if ":" in arg else (arg, "", "V")
            if level.upper() not in _LEVELS or len(level) != 1:
                raise LogcatUsage(f"Invalid filter expression '{arg}'")
            options.specs[tag] = level.upper()
    if not options.buffers:
        options.buffers = list(_DEFAULT_BUFFERS)
    return options


def _visible(entry: LogEntry, options: Options) -> bool:
    fallback = options.specs.get("*", "S" if options.silent else "V")
    minimum = options.specs.get(entry.tag, fallback)
    if _LEVELS.index(entry.priority) < _LEVELS.index(minimum) or minimum == "S":
        return False
    if options.pid is not None and entry.pid != options.pid:
        return False
    return options.regex is None or options.regex.search(entry.message) is not None


def format_entry(entry: LogEntry, fmt: str) -> str:
    """android_log_formatLogLine; a multi-line message repeats the prefix on each line."""
    local = time.localtime(entry.ts)
    stamp = time.strftime("%m-%d %H:%M:%S", local) + f".{int(entry.ts * 1000) % 1000:03d}"
    p, tag, pid, tid = entry.priority, entry.tag, entry.pid, entry.tid
    if fmt == "long":
        return f"[ {stamp} {pid:5d}:{tid:5d} {p}/{tag:<8} ]\n{entry.message}\n\n"
    prefix, suffix = {
        "threadtime": (f"{stamp} {pid:5d} {tid:5d} {p} {tag:<8}: ", ""),
        "time": (f"{stamp} {p}/{tag:<8}({pid:5d}): ", ""),
        "brief": (f"{p}/{tag:<8}({pid:5d}): ", ""),
        "tag": (f"{p}/{tag:<8}: ", ""),
        "process": (f"{p}({pid:5d}) ", f"  ({tag})"),
        "thread": (f"{p}({pid:5d}:{tid:5d}) ", ""),
        "raw": ("", ""),
    }[fmt]
    return "".join(f"{prefix}{line}{suffix}\n" for line in entry.message.split("\n"))


class _Printer:
    def __init__(self, ctx: ToolContext, options: Options) -> None:
        self.ctx, self.options = ctx, options
        self.started: set[str] = set()
        self.count = 0

    def print(self, entries: list[LogEntry]) -> bool:
        """Write the visible entries; False once ``-m`` lines have been printed."""
        chunks = []
        for entry in entries:
            if self.options.max_count is not None and self.count >= self.options.max_count:
                break
            if entry.buffer not in self.started:
                self.started.add(entry.buffer)
                if len(self.options.buffers) > 1:
                    chunks.append(f"--------- beginning of {entry.buffer}\n")
            chunks.append(format_entry(entry, self.options.fmt))
            self.count += 1
        if chunks:
            self.ctx.out("".join(chunks).encode("utf-8"))
        return self.options.max_count is None or self.count < self.options.max_count


def logcat(ctx: ToolContext, argv: list[str]) -> int:
    try:
        options = _parse(argv)
    except LogcatUsage as exc:
        ctx.eprint(f"logcat: {exc}")
        return 1
    buffer = ctx.phone.logbuffer
    buffers = tuple(options.buffers)
    if options.clear or options.set_size:
        if options.clear:
            buffer.clear(buffers)
        return 0
    if options.sizes:
        for name in buffers:
            used = sum(len(e.message) + len(e.tag) + 24 for e in buffer.entries(0, (name,)))
            ctx.print(f"{name}: ring buffer is 256 KiB ({used / 1024:.1f} KiB consumed), max entry is 5120 B, "
                      "max payload is 4068 B")
        return 0
    printer = _Printer(ctx, options)
    last_id = buffer.last_id()
    backlog = [e for e in buffer.entries(0, buffers) if e.id <= last_id and _visible(e, options)]
    keep = options.tail if options.tail is not None else options.follow_tail
    if keep is not None:
        backlog = backlog[-keep:] if keep else []
    if not printer.print(backlog) or options.dump:
        return 0
    while not ctx.cancelled.is_set():
        buffer.wait(_FOLLOW_POLL_SECONDS)
        fresh = buffer.entries(last_id, buffers)
        if fresh:
            last_id = fresh[-1].id
            if not printer.print([e for e in fresh if _visible(e, options)]):
                return 0
    return 0
