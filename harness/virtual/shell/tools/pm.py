"""``pm`` (``cmd package``): list, path, grant/revoke, clear, install/uninstall, dump.

Behaviour follows PackageManagerShellCommand and PermissionManagerServiceImpl of Android 14.
``pm grant``/``pm revoke`` also set USER_SET, as if the user had made the choice [U: the real
shell path may leave the flags alone]; revoking a granted runtime permission kills the app, as
Android does.  ``pm clear`` kills the app, empties its data and resets its runtime permissions
(PackageManagerService runs resetRuntimePermissions when it clears user data).
"""

from __future__ import annotations

from harness.virtual.shell.tools import dumpsys, pm_install
from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, Args, java_exception, unknown_command
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.permissions import permission

_PERM_FRAMES = "com.android.server.pm.permission.PermissionManagerService"
_LIST_FLAGS = {"-f", "-d", "-e", "-s", "-3", "-i", "-l", "-u", "-U", "--show-versioncode", "-a", "--apex-only",
               "--factory-only"}


def _skip_user(args: Args) -> None:
    """Consume ``--user N`` options (only user 0 exists on the virtual phone)."""
    while args.peek() == "--user":
        args.next()
        args.next()


def _list(ctx: ToolContext, args: Args) -> int:
    kind = args.next()
    if kind not in ("packages", "package"):
        if kind is None:
            ctx.eprint("Error: didn't specify type of data to list")
        else:
            ctx.eprint(f"Error: unknown list type '{kind}'")
        return EXIT_JAVA_ERROR
    flags: set[str] = set()
    while (option := args.next_option()) is not None:
        if option in ("--user", "--uid"):
            args.next()
        elif option in _LIST_FLAGS:
            flags.add(option)
        else:
            ctx.eprint(f"Error: Unknown option: {option}")
            return EXIT_JAVA_ERROR
    name_filter = args.next()
    lines = []
    for spec in ctx.phone.packages():
        if ("-s" in flags and not spec.system) or ("-3" in flags and spec.system) or "-d" in flags:
            continue
        if name_filter and name_filter not in spec.name:
            continue
        line = "package:" + (f"{spec.apk_path}=" if "-f" in flags else "") + spec.name
        if "--show-versioncode" in flags:
            line += f" versionCode:{spec.version_code}"
        if "-i" in flags:
            line += f"  installer={spec.installer or 'null'}"
        if "-U" in flags:
            line += f" uid:{spec.uid}"
        lines.append(line + "\n")
    ctx.out("".join(lines).encode("utf-8"))
    return 0


def _path(ctx: ToolContext, args: Args) -> int:
    _skip_user(args)
    name = args.next()
    if name is None:
        ctx.eprint("Error: no package specified")
        return 1
    spec = ctx.phone.package(name)
    if spec is None:
        return 1
    ctx.print(f"package:{spec.apk_path}")
    return 0


def _grant_revoke(ctx: ToolContext, args: Args, grant: bool) -> int:
    verb = "grant" if grant else "revoke"
    while (option := args.next_option()) is not None:
        if option == "--user":
            args.next()
    name, perm = args.next(), args.next()
    if name is None:
        ctx.eprint("Error: no package specified")
        return 1
    if perm is None:
        ctx.eprint("Error: no permission specified")
        return 1
    internal = "grantRuntimePermission" if grant else "revokeRuntimePermission"
    frames = (f"{_PERM_FRAMES}Impl.{internal}Internal(PermissionManagerServiceImpl.java:{1414 if grant else 1592})",
              f"{_PERM_FRAMES}Impl.{internal}(PermissionManagerServiceImpl.java:{1325 if grant else 1525})",
              f"{_PERM_FRAMES}.{internal}(PermissionManagerService.java:{571 if grant else 587})",
              "com.android.server.pm.PackageManagerShellCommand.runGrantRevokePermission"
              f"(PackageManagerShellCommand.java:{2852 if grant else 2856})")
    spec = ctx.phone.package(name)
    if spec is None:
        # Android 14 only logs this and returns: no output, exit 0.
        ctx.phone.log("W", "PermissionManager", f"No such package: {name}", buffer="system")
        return 0
    info = permission(perm)
    if info is None:
        return java_exception(ctx, verb, "java.lang.IllegalArgumentException", f"Unknown permission: {perm}",
                              frames=frames)
    if perm not in spec.permissions:
        return java_exception(ctx, verb, "java.lang.SecurityException",
                              f"Package {name} has not requested permission {perm}", frames=frames)
    if not info.is_changeable:
        return java_exception(ctx, verb, "java.lang.SecurityException",
                              f"Permission {perm} requested by {name} is not a changeable permission type",
                              frames=frames)
    if info.is_runtime and spec.target_sdk < 23:
        return 0    # legacy apps hold every runtime permission; the call is silently ignored
    current = ctx.phone.permission_grants(name)[perm]
    if "POLICY_FIXED" in current.flags:
        return java_exception(ctx, verb, "java.lang.SecurityException",
                              f"Cannot {verb} policy fixed permission {perm} for package {name}", frames=frames)
    if "SYSTEM_FIXED" in current.flags:
        message = (f"Cannot grant system fixed permission {perm} for package {name}" if grant
                   else f"Non-System UID cannot revoke system fixed permission {perm} for package {name}")
        return java_exception(ctx, verb, "java.lang.SecurityException", message, frames=frames)
    flags = tuple(sorted({*current.flags, "USER_SET"} - {"USER_FIXED", "REVIEW_REQUIRED", "AUTO_REVOKED"}))
    ctx.phone.set_permission(name, perm, grant, flags if info.is_runtime else ())
    # [U] invented wording: Android logs nothing stable here, but a trace of the change helps.
    ctx.phone.log("I", "PermissionManager", f"{verb} {perm} for {name} (uid {spec.uid}) by uid {ctx.uid}",
                  buffer="system")
    if not grant and current.granted and info.is_runtime and ctx.processes.is_running(name):
        ctx.processes.stop(name, reason="permissions revoked")
    return 0


def _clear(ctx: ToolContext, args: Args) -> int:
    while (option := args.next_option()) is not None:
        if option == "--user":
            args.next()
    name = args.next()
    if name is None:
        ctx.eprint("Error: no package specified")
        return 1
    spec = ctx.phone.package(name)
    if spec is None:
        ctx.phone.log("W", "ActivityManager", f"Invalid packageName: {name}", buffer="system")
        ctx.eprint("Failed")
        return 1
    ctx.phone.log("I", "ActivityManager", f"Force stopping {name} appid={spec.uid} user=0: clear data",
                  buffer="system")
    ctx.processes.stop(name, reason=f"stop {name} due to clear data")
    ctx.phone.clear_app_data(name)
    ctx.print("Success")
    return 0


def pm(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    verb = args.next()
    if verb is None or verb in ("help", "-h"):
        ctx.print("Package manager (package) commands:\n  help\n      Print this help text.\n"
                  "  path [--user USER_ID] PACKAGE\n  list packages [-f] [-d] [-e] [-s] [-3] [-i] [-l] [-u] [-U]"
                  " [--show-versioncode] [FILTER]\n  clear [--user USER_ID] PACKAGE\n"
                  "  install [-r] [-d] [-g] [-t] PATH\n  uninstall [-k] [--user USER_ID] PACKAGE\n"
                  "  grant [--user USER_ID] PACKAGE PERMISSION\n  revoke [--user USER_ID] PACKAGE PERMISSION")
        return EXIT_JAVA_ERROR
    if verb == "list":
        return _list(ctx, args)
    if verb == "path":
        return _path(ctx, args)
    if verb in ("grant", "revoke"):
        return _grant_revoke(ctx, args, verb == "grant")
    if verb == "clear":
        return _clear(ctx, args)
    if verb == "install":
        return pm_install.install(ctx, args.rest())
    if verb == "uninstall":
        return pm_install.uninstall(ctx, args.rest())
    if verb == "dump":
        name = args.next()
        if name is None:
            ctx.eprint("Error: no package specified")
            return 1
        return dumpsys.dumpsys(ctx, ["package", name])
    return unknown_command(ctx, verb)
