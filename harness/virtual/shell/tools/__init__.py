"""The virtual phone's shell tools, by program name: what ``/system/bin/<name>`` runs.

Each tool is ``(ToolContext, argv-without-program-name) -> exit status`` (see ``base``).  Names
here become ``/system/bin`` entries on the phone, so they shadow the host's programs of the same
name inside the sandbox (``ps``, ``id``), as toybox does on Android.
"""

from __future__ import annotations

from harness.virtual.shell.tools import (
    am,
    app_process,
    appops,
    content,
    dumpsys,
    ime,
    input,
    location,
    logcat,
    misc,
    pm,
    props,
    settings,
    ui,
)
from harness.virtual.shell.tools.base import Tool, ToolContext

#: What ``cmd SERVICE`` reaches (the Java services with a shell command).
SERVICES: dict[str, Tool] = {
    "package": pm.pm,
    "appops": appops.appops,
    "settings": settings.settings,
    "activity": am.am,
    "window": input.wm,
    "input": input.input_tool,
    "connectivity": misc.connectivity,
    "location": location.location,
}

TOOLS: dict[str, Tool] = {
    "getprop": props.getprop,
    "id": props.id_tool,
    "getenforce": props.getenforce,
    "settings": settings.settings,
    "pm": pm.pm,
    "appops": appops.appops,
    "dumpsys": dumpsys.dumpsys,
    "am": am.am,
    "monkey": am.monkey,
    "content": content.content,
    "input": input.input_tool,
    "wm": input.wm,
    "screencap": ui.screencap,
    "uiautomator": ui.uiautomator,
    "logcat": logcat.logcat,
    "ps": misc.ps,
    "pidof": misc.pidof,
    "pgrep": misc.pgrep,
    "ifconfig": misc.ifconfig,
    "ime": ime.ime,
    "svc": misc.svc,
    "cmd": misc.make_cmd(SERVICES),
    "app_process": app_process.app_process,
}

__all__ = ["SERVICES", "TOOLS", "Tool", "ToolContext"]
