"""``cmd location``: Android 14's LocationShellCommand over the phone's ``LocationService``.

``is-location-enabled`` prints ``true``/``false``; ``set-location-enabled true|false`` is silent.
``providers add-test-provider|remove-test-provider|set-test-provider-enabled|
set-test-provider-location`` are silent too, and, as LocationManagerService checks the
MOCK_LOCATION app-op of the caller (the shell: ``com.android.shell``, uid 2000) and returns
without a word when it is not ``allow``, they do nothing until
``appops set com.android.shell android:mock_location allow``.  Bad arguments throw what the Java
code throws (printed on stderr, exit 255); an unknown verb prints ``Unknown command: X`` on stdout.
"""

from __future__ import annotations

import re
import time

from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, Args, java_exception, unknown_command
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.location import Fix, ProviderError

HELP = """Location service commands:
  help or -h
    Print this help text.
  is-location-enabled [--user <USER_ID>]
    Gets the master location switch enabled state. If no user is specified,
    the current user is assumed.
  set-location-enabled true|false [--user <USER_ID>]
    Sets the master location switch enabled state. If no user is specified,
    the current user is assumed.
  providers
    The providers command is followed by a subcommand, as listed below:

    add-test-provider <PROVIDER> [--requiresNetwork] [--requiresSatellite]
      [--requiresCell] [--hasMonetaryCost] [--supportsAltitude]
      [--supportsSpeed] [--supportsBearing]
      [--powerRequirement <POWER_REQUIREMENT>]
      [--extraAttributionTags <TAG>,<TAG>,...]
      Add the given test provider. Requires MOCK_LOCATION permissions which
      can be enabled by running "adb shell appops set <uid>
      android:mock_location allow". There are optional flags that can be
      used to configure the provider properties and additional arguments. If
      no flags are included, then default values will be used.
    remove-test-provider <PROVIDER>
      Remove the given test provider.
    set-test-provider-enabled <PROVIDER> true|false
      Sets the given test provider enabled state.
    set-test-provider-location <PROVIDER> --location <LATITUDE>,<LONGITUDE>
      [--accuracy <ACCURACY>] [--time <TIME>]
      Set location for given test provider. Accuracy and time are optional.
    send-extra-command <PROVIDER> <COMMAND>
      Sends the given extra command to the given provider.

      Common commands that may be supported by the gps provider, depending on
      hardware and software configurations:
        delete_aiding_data - requests deletion of any predictive aiding data
        force_time_injection - requests NTP time injection
        force_psds_injection - requests predictive aiding data injection
        request_power_stats - requests GNSS power stats update
"""
SHELL_PACKAGE = "com.android.shell"
_DEFAULT_TEST_ACCURACY = 100.0        # LocationShellCommand.DEFAULT_TEST_LOCATION_ACCURACY
_FLAG_OPTIONS = {"--requiresNetwork", "--requiresSatellite", "--requiresCell", "--hasMonetaryCost",
                 "--supportsAltitude", "--supportsSpeed", "--supportsBearing"}
_AUTOMOTIVE_VERBS = {"is-adas-gnss-location-enabled", "set-adas-gnss-location-enabled",
                     "set-automotive-gnss-suspended", "is-automotive-gnss-suspended"}
_JAVA_DECIMAL = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)")
_JAVA_LONG = re.compile(r"[+-]?\d+")
#: The frames under LocationShellCommand's own; line numbers illustrative.
_FRAMES = ("com.android.modules.utils.BasicShellCommandHandler.exec(BasicShellCommandHandler.java:97)",
           "com.android.server.location.LocationManagerService.handleShellCommand(LocationManagerService.java:1640)",
           "android.os.Binder.onShellCommand(Binder.java:1212)",
           "android.os.Binder.shellCommand(Binder.java:1092)",
           "android.os.Binder.onTransact(Binder.java:912)",
           "android.location.ILocationManager$Stub.onTransact(ILocationManager.java:1512)",
           "android.os.Binder.execTransactInternal(Binder.java:1392)",
           "android.os.Binder.execTransact(Binder.java:1299)")


class JavaError(Exception):
    """A Java exception the command would throw: its class and message."""

    def __init__(self, exception: str, message: str) -> None:
        super().__init__(message)
        self.exception, self.message = exception, message


def _illegal_argument(message: str) -> JavaError:
    return JavaError("java.lang.IllegalArgumentException", message)


def _required(args: Args) -> str:
    """BasicShellCommandHandler.getNextArgRequired."""
    value = args.next()
    if value is None:
        previous = args.argv[args.position - 1] if args.position else ""
        raise _illegal_argument(f'Argument expected after "{previous}"')
    return value


def _java_number(text: str, pattern: re.Pattern[str]) -> float:
    """Double/Float.parseDouble (trims, ``1.5d`` allowed) or Long/Integer.parseLong rules."""
    trimmed = text.strip() if pattern is _JAVA_DECIMAL else text
    if pattern is _JAVA_DECIMAL and not trimmed:
        raise JavaError("java.lang.NumberFormatException", "empty String")
    if not pattern.fullmatch(trimmed):
        raise JavaError("java.lang.NumberFormatException", f'For input string: "{trimmed}"')
    return float(trimmed.rstrip("fFdD")) if pattern is _JAVA_DECIMAL else int(trimmed)


def _java_split_comma(text: str) -> list[str]:
    """String.split(","): trailing empty strings dropped, a text without commas kept whole."""
    if "," not in text:
        return [text]
    parts = text.split(",")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _user_options(args: Args) -> None:
    """The ``[--user <USER_ID>]`` loop; only user 0 exists here."""
    while (option := args.next_option()) is not None:
        if option != "--user":
            raise _illegal_argument(f"Unknown option: {option}")
        user = _required(args)
        if user == "all":
            raise _illegal_argument("Call does not support special user #-1")
        if user not in ("current", "cur") and int(_java_number(user, _JAVA_LONG)) != 0:
            raise _illegal_argument(f"Invalid user: {user}")        # [U] wording


def _mock_location_allowed(ctx: ToolContext) -> bool:
    """AppOpsHelper.noteOp(OP_MOCK_LOCATION) for the shell: allowed only in mode ``allow``."""
    mode = next((op.mode for op in ctx.phone.app_ops(SHELL_PACKAGE) if op.op == "MOCK_LOCATION"), None)
    allowed = mode == "allow"
    if ctx.phone.package(SHELL_PACKAGE) is not None:
        ctx.phone.note_app_op(SHELL_PACKAGE, "MOCK_LOCATION", rejected=not allowed)
    return allowed


def _add_test_provider(ctx: ToolContext, args: Args) -> None:
    name = _required(args)
    power, accuracy = 1, 1                # Criteria.POWER_LOW, Criteria.ACCURACY_FINE
    while (option := args.next_option()) is not None:
        if option in ("--powerRequirement", "--accuracy"):
            value = int(_java_number(_required(args), _JAVA_LONG))
            power, accuracy = (value, accuracy) if option == "--powerRequirement" else (power, value)
        elif option == "--extraAttributionTags":
            _required(args)
        elif option not in _FLAG_OPTIONS:
            raise _illegal_argument(f"Received unexpected option: {option}")
    for field, value, top in (("powerUsage", power, 3), ("accuracy", accuracy, 2)):   # ProviderProperties.Builder
        if not 1 <= value <= top:
            raise _illegal_argument(f"{field} is out of range of [1, {top}] ({'too low' if value < 1 else 'too high'})")
    if _mock_location_allowed(ctx):
        ctx.phone.location.add_test_provider(name)


def _set_test_provider_location(ctx: ToolContext, args: Args) -> None:
    name = _required(args)
    where: tuple[float, float] | None = None
    accuracy, time_ms = _DEFAULT_TEST_ACCURACY, int(time.time() * 1000)
    while (option := args.next_option()) is not None:
        if option == "--location":
            parts = _java_split_comma(_required(args))
            if len(parts) != 2:
                raise _illegal_argument('Location argument must be in the form of "<LATITUDE>,<LONGITUDE>", '
                                        f"not [{', '.join(parts)}]")
            where = (_java_number(parts[0], _JAVA_DECIMAL), _java_number(parts[1], _JAVA_DECIMAL))
        elif option == "--accuracy":
            accuracy = _java_number(_required(args), _JAVA_DECIMAL)
        elif option == "--time":
            time_ms = int(_java_number(_required(args), _JAVA_LONG))
        else:
            raise _illegal_argument(f"Unknown option: {option}")
    if where is None:
        raise _illegal_argument('Option "--location" is required')
    if _mock_location_allowed(ctx):
        ctx.phone.location.set_test_provider_location(name, Fix(where[0], where[1], accuracy, time_ms, mock=True))


def _providers(ctx: ToolContext, args: Args) -> int:
    verb = _required(args)
    service = ctx.phone.location
    if verb == "add-test-provider":
        _add_test_provider(ctx, args)
    elif verb == "remove-test-provider":
        name = _required(args)
        if _mock_location_allowed(ctx):
            service.remove_test_provider(name)
    elif verb == "set-test-provider-enabled":
        name, enabled = _required(args), _required(args).lower() == "true"     # Boolean.parseBoolean
        if _mock_location_allowed(ctx):
            service.set_test_provider_enabled(name, enabled)
    elif verb == "set-test-provider-location":
        _set_test_provider_location(ctx, args)
    elif verb == "send-extra-command":    # the providers here take no extra commands; the call is silent
        _required(args)
        _required(args)
    elif verb in ("help", "-h"):
        ctx.out(HELP.encode())
        return EXIT_JAVA_ERROR
    else:
        return unknown_command(ctx, verb)
    return 0


def location(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    verb = args.next()
    if verb is None or verb in ("help", "-h"):
        ctx.out(HELP.encode())
        return EXIT_JAVA_ERROR             # handleDefaultCommands returns -1 after the help
    service = ctx.phone.location
    try:
        if verb == "is-location-enabled":
            _user_options(args)
            ctx.print("true" if service.enabled() else "false")
        elif verb == "set-location-enabled":
            enabled = _required(args).lower() == "true"        # read before the options, as Android does
            _user_options(args)
            service.set_enabled(enabled)
        elif verb == "providers":
            return _providers(ctx, args)
        elif verb in _AUTOMOTIVE_VERBS:
            raise JavaError("java.lang.IllegalStateException", "command only recognized on automotive devices")
        else:
            return unknown_command(ctx, verb)
    except JavaError as exc:
        return java_exception(ctx, verb, exc.exception, exc.message, frames=_FRAMES, service="location")
    except ProviderError as exc:
        return java_exception(ctx, verb, "java.lang.IllegalArgumentException", str(exc), frames=_FRAMES,
                              service="location")
    return 0
