"""``settings`` (``cmd settings``): SettingsService's shell command over the phone's settings."""

from __future__ import annotations

from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR
from harness.virtual.shell.tools.base import ToolContext

_NAMESPACES = ("system", "secure", "global")
_VERBS = ("get", "put", "delete", "list", "reset")
HELP = """Settings provider (settings) commands:
  help
      Print this help text.
  get [--user <USER_ID> | current] NAMESPACE KEY
      Retrieve the current value of KEY.
  put [--user <USER_ID> | current] NAMESPACE KEY VALUE [TAG] [default] [--overrideableByRestore]
      Change the contents of KEY to VALUE.
      TAG to associate with the setting.
      {default} to set as the default, case-insensitive only for global/secure namespace
  delete [--user <USER_ID> | current] NAMESPACE KEY
      Delete the entry for KEY.
  reset [--user <USER_ID> | current] NAMESPACE {PACKAGE_NAME | RESET_MODE}
      Reset the global/secure table for a package with mode.
      RESET_MODE is one of {untrusted_defaults, untrusted_clear, trusted_defaults}, case-insensitive
  list [--user <USER_ID> | current] NAMESPACE
      Print all defined keys.
      NAMESPACE is one of {system, secure, global}, case-insensitive"""


def settings(ctx: ToolContext, argv: list[str]) -> int:
    """The argument walk follows SettingsService.MyShellCommand.onCommand (Android 14)."""
    if not argv or argv[0] in ("help", "-h"):
        ctx.print(HELP)
        return EXIT_JAVA_ERROR
    verb = table = key = value = None
    user: str | None = None
    valid = False
    args = iter(argv)
    for arg in args:
        if arg == "--user":
            if user is not None:
                ctx.eprint("Invalid user: --user specified more than once")
                break
            user = next(args, None)
            if user is None:
                ctx.eprint("Error: no user specified")
                return EXIT_JAVA_ERROR
            if user == "all":
                ctx.eprint("Invalid user: all")
                return EXIT_JAVA_ERROR
            if user not in ("0", "current", "cur") :
                ctx.eprint(f"Invalid user: {user}")
                return EXIT_JAVA_ERROR
        elif verb is None:
            if arg.lower() not in _VERBS:
                ctx.eprint(f"Invalid command: {arg}")
                return EXIT_JAVA_ERROR
            verb = arg.lower()
        elif table is None:
            if arg.lower() not in _NAMESPACES:
                ctx.eprint(f"Invalid namespace '{arg}'")
                return EXIT_JAVA_ERROR
            table = arg.lower()
            if verb == "list":
                valid = True
                break
        elif verb == "reset":
            valid = True
            break
        elif key is None:
            key = arg
            if verb in ("get", "delete"):
                valid = True
                break
        elif value is None:
            value = arg
            if verb == "put":
                valid = True
        elif verb == "put":
            continue        # TAG, "default", --overrideableByRestore: accepted, not modelled
        else:
            ctx.eprint("Too many arguments")
            return EXIT_JAVA_ERROR
    if not valid or table is None:
        ctx.eprint("Bad arguments")
        return EXIT_JAVA_ERROR
    if user is not None and verb in ("delete", "list"):
        ctx.eprint("--user not supported for delete and list.")
        return EXIT_JAVA_ERROR
    phone = ctx.phone
    if verb == "get" and key is not None:
        found = phone.get_setting(table, key)
        ctx.print("null" if found is None else found)
    elif verb == "put" and key is not None:
        phone.put_setting(table, key, value)
    elif verb == "delete" and key is not None:
        ctx.print(f"Deleted {phone.delete_setting(table, key)} rows")
    elif verb == "list":
        for name, current in phone.list_settings(table):
            ctx.print(f"{name}={'null' if current is None else current}")
    return 0
