"""toybox ``ps``, ``pidof`` and ``pgrep``, and ``cmd SERVICE ...`` forwarding to the service tools."""

from __future__ import annotations

import re
from pathlib import Path

from harness.virtual.runtime.processes import ProcessInfo
from harness.virtual.shell.tools._common import user_name
from harness.virtual.shell.tools.base import Tool, ToolContext

#: VSZ/RSS (KiB) shown for Android's own daemons, which are not real processes here.
_SYSTEM_SIZES = {"init": (10902628, 11572), "zygote64": (14820296, 98236), "zygote": (1862108, 61436),
                 "system_server": (20336104, 412908)}
_DEFAULT_APP_SIZE = (15264180, 128764)
_PAGE_KIB = 4


def _sizes(info: ProcessInfo, real: bool) -> tuple[int, int, str]:
    """(VSZ, RSS, state) from /proc for real processes, plausible constants otherwise."""
    if real:
        try:
            statm = Path(f"/proc/{info.pid}/statm").read_text().split()
            stat = Path(f"/proc/{info.pid}/stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
            return int(statm[0]) * _PAGE_KIB, int(statm[1]) * _PAGE_KIB, state
        except (OSError, IndexError, ValueError):
            pass
    if info.name.startswith("["):
        return 0, 0, "S"
    vsz, rss = _SYSTEM_SIZES.get(info.name, _DEFAULT_APP_SIZE)
    return vsz, rss, "S"


def _ps_line(*columns: object) -> str:
    """USER PID PPID VSZ RSS WCHAN ADDR S NAME in toybox's widths (wider values push right)."""
    user, pid, ppid, vsz, rss, wchan, addr, state, name = (str(c) for c in columns)
    return f"{user:<12} {pid:>5} {ppid:>5} {vsz:>7} {rss:>6} {wchan:<16} {addr:>4} {state} {name}"


def ps(ctx: ToolContext, argv: list[str]) -> int:
    """``ps -A`` (or ``-e``) lists everything; plain ``ps`` only the caller's session; names filter."""
    every = False
    names: list[str] = []
    for arg in argv:
        if arg.startswith("-") and len(arg) > 1:
            for flag in arg[1:]:
                if flag in "Ae":
                    every = True
                elif flag not in "wlfZ":
                    ctx.eprint(f"ps: Unknown option '{flag}' (see \"ps --help\")")
                    return 1
        else:
            names.append(arg)
    lines = [_ps_line("USER", "PID", "PPID", "VSZ", "RSS", "WCHAN", "ADDR", "S", "NAME")]
    real = {p.pid for p in ctx.processes.processes()}
    if every or names:
        for info in ctx.processes.all_processes():
            if names and info.name not in names:
                continue
            vsz, rss, state = _sizes(info, info.pid in real)
            wchan = "0" if state != "S" or info.pid in real else "do_epoll_wait"
            lines.append(_ps_line(user_name(info.uid), info.pid, info.ppid, vsz, rss, wchan, 0, state, info.name))
    else:
        user = "root" if ctx.uid == 0 else "shell"
        lines.append(_ps_line(user, 8745, 981, 10782132, 4236, "__do_sys_rt_sigsuspend", 0, "S", "sh"))
        lines.append(_ps_line(user, 8751, 8745, 10817876, 4096, "0", 0, "R", "ps"))
    ctx.out(("\n".join(lines) + "\n").encode("utf-8"))
    return 0


def pidof(ctx: ToolContext, argv: list[str]) -> int:
    """``pidof [-s] NAME...``: pids on one line, newest first; exit 1 when none matched."""
    single = "-s" in argv
    pids: list[int] = []
    for name in (a for a in argv if not a.startswith("-")):
        found = sorted(ctx.processes.pids(name), reverse=True)
        pids += found[:1] if single else found
    if not pids:
        return 1
    ctx.print(" ".join(str(p) for p in pids))
    return 0


def pgrep(ctx: ToolContext, argv: list[str]) -> int:
    """toybox ``pgrep [-flnovx] [-d DELIM] [-u USER] PATTERN``: pids of the processes whose name
    the regular expression matches (``-x``: all of it); ``-l`` adds the name; exit 1 if none."""
    flags, delimiter, users, patterns = "", "\n", set(), []
    args = iter(argv)
    for arg in args:
        if arg in ("-d", "-u"):
            value = next(args, None)
            if value is None:
                ctx.eprint(f"pgrep: Missing argument to {arg}")
                return 2
            if arg == "-d":
                delimiter = value
            else:
                users.update(value.split(","))
        elif arg.startswith("-") and len(arg) > 1:
            unknown = set(arg[1:]) - set("flnovx")
            if unknown:
                ctx.eprint(f"pgrep: Unknown option '{sorted(unknown)[0]}' (see \"pgrep --help\")")
                return 2
            flags += arg[1:]
        else:
            patterns.append(arg)
    if len(patterns) != 1:
        ctx.eprint("pgrep: Need 1 argument (see \"pgrep --help\")")
        return 2
    try:
        pattern = re.compile(patterns[0])
    except re.error as exc:
        ctx.eprint(f"pgrep: bad regex '{patterns[0]}': {exc}")
        return 2
    found = []
    for info in sorted(ctx.processes.all_processes(), key=lambda p: p.pid):
        matches = pattern.fullmatch(info.name) if "x" in flags else pattern.search(info.name)
        if bool(matches) != ("v" in flags) and (not users or user_name(info.uid) in users
                                                or str(info.uid) in users):
            found.append(info)
    if found and "n" in flags:
        found = found[-1:]
    elif found and "o" in flags:
        found = found[:1]
    if not found:
        return 1
    lines = [f"{p.pid} {p.name}" if "l" in flags else str(p.pid) for p in found]
    ctx.out((delimiter.join(lines) + "\n").encode())
    return 0


def wlan_address(phone_serial: str) -> str:
    """The phone's Wi-Fi address on a typical home network, stable per phone."""
    return f"192.168.1.{20 + sum(phone_serial.encode()) % 200}"


def ifconfig(ctx: ToolContext, argv: list[str]) -> int:
    """toybox ``ifconfig [wlan0|lo]``: the Wi-Fi interface carries the profile's MAC address."""
    ids = ctx.phone.profile.identifiers
    interfaces = {
        "lo": ["lo        Link encap:Local Loopback",
               "          inet addr:127.0.0.1  Mask:255.0.0.0",
               "          inet6 addr: ::1/128 Scope: Host",
               "          UP LOOPBACK RUNNING  MTU:65536  Metric:1"],
        "wlan0": [f"wlan0     Link encap:Ethernet  HWaddr {ids.wifi_mac}  Driver cnss_pci",
                  f"          inet addr:{wlan_address(ids.serial)}  Bcast:192.168.1.255  Mask:255.255.255.0",
                  "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1"],
    }
    names = [a for a in argv if not a.startswith("-")][:1] or list(interfaces)
    if names[0] not in interfaces:
        ctx.eprint(f"ifconfig: {names[0]}: No such device")
        return 1
    ctx.out(("\n\n".join("\n".join(interfaces[n]) for n in names) + "\n").encode())
    return 0


_SVC_SETTINGS = {"wifi": "wifi_on", "data": "mobile_data", "bluetooth": "bluetooth_on"}


def svc(ctx: ToolContext, argv: list[str]) -> int:
    """``svc wifi|data|bluetooth enable|disable``: silent, flips the matching global setting [U]."""
    if len(argv) >= 2 and argv[0] in _SVC_SETTINGS and argv[1] in ("enable", "disable"):
        ctx.phone.put_setting("global", _SVC_SETTINGS[argv[0]], "1" if argv[1] == "enable" else "0")
        return 0
    if argv[:2] == ["power", "stayon"]:
        return 0
    ctx.print("Available commands:\n    help     Show information about the subcommands\n"
              "    power    Control the power manager\n    data     Control mobile data connectivity\n"
              "    wifi     Control the Wi-Fi manager\n    bluetooth Control Bluetooth service")
    return 0


def connectivity(ctx: ToolContext, argv: list[str]) -> int:
    """``cmd connectivity airplane-mode [enable|disable]`` over ``global airplane_mode_on`` [U]."""
    if argv[:1] != ["airplane-mode"]:
        ctx.print(f"Unknown command: {argv[0] if argv else ''}")
        return 255
    if len(argv) == 1:
        ctx.print("enabled" if ctx.phone.get_setting("global", "airplane_mode_on") == "1" else "disabled")
        return 0
    if argv[1] not in ("enable", "disable"):
        ctx.eprint(f"Unsupported argument: {argv[1]}")
        return 255
    ctx.phone.put_setting("global", "airplane_mode_on", "1" if argv[1] == "enable" else "0")
    return 0


def make_cmd(services: dict[str, Tool]) -> Tool:
    """``cmd SERVICE ARGS`` runs the tool behind SERVICE, as Android's cmd binder-calls the service."""
    def cmd(ctx: ToolContext, argv: list[str]) -> int:
        if not argv:
            ctx.eprint("cmd: No service specified; use -l to list all running services. "
                       "Use -w to start and wait for a service.")
            return 20
        if argv[0] == "-l":
            ctx.out(("Currently running services:\n" + "".join(f"  {s}\n" for s in sorted(services))).encode())
            return 0
        tool = services.get(argv[0])
        if tool is None:
            ctx.eprint(f"cmd: Can't find service: {argv[0]}")
            return 20
        return tool(ctx, argv[1:])
    return cmd
