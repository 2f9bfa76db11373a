"""``getprop`` (toolbox), ``id`` and ``getenforce`` (toybox)."""

from __future__ import annotations

from harness.virtual.shell.tools.base import ROOT_UID, ToolContext

_SHELL_GROUPS = ("2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),"
                 "1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),3002(net_bt),3003(inet),"
                 "3006(net_bw_stats),3009(readproc),3011(uhid),3012(readtracefs)")


def _property_context(name: str) -> str:
    if name.startswith(("ro.build.", "ro.product.", "ro.system.", "ro.vendor.", "ro.odm.", "ro.bootimage.")):
        return "u:object_r:build_prop:s0"
    if name.startswith(("gsm.", "ro.telephony")):
        return "u:object_r:radio_prop:s0"
    if name.startswith("ro.boot."):
        return "u:object_r:bootloader_prop:s0"
    return "u:object_r:default_prop:s0"


def getprop(ctx: ToolContext, argv: list[str]) -> int:
    """``getprop [-T|-Z] [NAME [DEFAULT]]``.  ``-T`` reports every property as ``string`` [U]."""
    show_type = show_context = False
    operands: list[str] = []
    for arg in argv:
        if arg.startswith("-") and len(arg) > 1 and set(arg[1:]) <= {"T", "Z"}:
            show_type |= "T" in arg
            show_context |= "Z" in arg
        else:
            operands.append(arg)
    if show_type and show_context:
        ctx.eprint("Only one of -T or -Z may be specified")
        return 255
    if len(operands) > 2:
        ctx.eprint('getprop: Max 2 arguments (see "getprop --help")')
        return 255
    props = ctx.phone.props

    def shown(name: str, value: str) -> str:
        if show_type:
            return "string"
        if show_context:
            return _property_context(name)
        return value

    if not operands:
        ctx.out("".join(f"[{k}]: [{shown(k, v)}]\n" for k, v in sorted(props.items())).encode("utf-8"))
        return 0
    name = operands[0]
    if name in props:
        ctx.print(shown(name, props[name]))
    elif show_type or show_context:
        ctx.print("")
    else:
        ctx.print(operands[1] if len(operands) == 2 else "")
    return 0


def id_tool(ctx: ToolContext, argv: list[str]) -> int:
    """toybox ``id [-u|-g|-G] [-n]``: the shell (uid 2000) or root; a rooted user build's root is Magisk's."""
    root = ctx.uid == ROOT_UID
    magisk = root and ctx.phone.profile.build.type == "user"
    uid_text = "0(root)" if root else "2000(shell)"
    flags = "".join(arg.lstrip("-") for arg in argv if arg.startswith("-"))
    unknown = set(flags) - set("ugGnrz")
    if unknown or any(not arg.startswith("-") for arg in argv):
        bad = sorted(unknown)[0] if unknown else next(a for a in argv if not a.startswith("-"))
        if unknown:
            ctx.eprint(f"id: Unknown option '{bad}' (see \"id --help\")")
        else:
            ctx.eprint(f"id: no such user '{bad}'" if not bad.isdigit() else f"id: no such uid '{bad}'")
        return 1
    if "u" in flags or "g" in flags:
        ctx.print(("root" if root else "shell") if "n" in flags else ("0" if root else "2000"))
        return 0
    groups = _SHELL_GROUPS
    if root:
        groups = "0(root)" if magisk else "0(root)," + _SHELL_GROUPS.split(",", 1)[1]
    if "G" in flags:
        names = [g.split("(")[1].rstrip(")") if "n" in flags else g.split("(")[0] for g in groups.split(",")]
        ctx.print(" ".join(names))
        return 0
    context = "u:r:magisk:s0" if magisk else ("u:r:su:s0" if root else "u:r:shell:s0")
    ctx.print(f"uid={uid_text} gid={uid_text} groups={groups} context={context}")
    return 0


def getenforce(ctx: ToolContext, argv: list[str]) -> int:
    ctx.print("Enforcing")
    return 0
