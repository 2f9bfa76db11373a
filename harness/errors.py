"""The one error root of the harness and its tree.

Every error a user can cause or meet derives from ``HarnessError``; the CLI prints
``harness: <message>`` and exits 2 for any of them, never a traceback.

    HarnessError
     ├── ConfigError            bad input: a file, line or field the user gave us
     │    ├── ProfileError      a virtual-phone profile that does not load
     │    └── ScenarioError     a scenario file that does not validate (carries every located problem)
     ├── ToolMissingError       a host program the harness needs is not installed (names the package)
     ├── AdbServerError         the adb server cannot be started, does not answer, or is not an adb server
     │    ├── AdbServerDownError    nothing listens on its port (it can be started)
     │    └── AdbServerSilentError  something listens there but does not answer in time
     ├── DeviceError            anything about one device (carries .serial)
     │    ├── DeviceNotFoundError   no such serial / no device connected
     │    ├── DeviceGoneError       the device went away during a command
     │    ├── PhoneNotReadyError    a `harness doctor` check failed before a run (harness.doctor.model)
     │    ├── CommandFailedError    a device command failed (carries command, exit code, output)
     │    ├── PackageNotFoundError  the package is not installed
     │    ├── UnknownPermissionError the permission (or app-op) is unknown to the device
     │    ├── VerificationError     a change was made but reading it back shows otherwise
     │    └── UiError               driving the phone's UI failed (the UI server, a dump, an input)
     │         └── ElementNotFoundError  no element matched a selector in time
     ├── VirtualPhoneError      starting, stopping or serving a virtual phone
     │    └── ProtocolViolation (harness.virtual.adb.protocol) a peer of the adbd sent something not ADB
     ├── InstrumentError        Frida: reaching the server, attaching, loading the agent
     │    ├── ServerMissingError    no frida-server answers on the device
     │    ├── ServerVersionError    the frida-server is of another version than the harness's frida
     │    ├── NoAnswerError         a frida call got no answer in time (device or server stuck)
     │    ├── ProcessGoneError      the target process is not running, or exited meanwhile
     │    ├── AttachRefusedError    not allowed to attach (root, SELinux, ptrace)
     │    └── UnsupportedError      the device cannot do this
     │         └── SpawnNotSupportedError  it cannot spawn (a portal, some vendor ROMs): attach after launch
     ├── StepFailedError        a scenario step failed (an assertion, a missing element); names the step's line
     ├── StoreError             the run store (opening, writing, reading a run)
     ├── DetectError            the leak detector's inputs (HAR, JSONL, canary files)
     ├── CaptureError           the second capture path (the proxy could not start or be routed to)
     └── DatabaseError          the fleet database (harness db): no driver, cannot connect, a schema
                                newer than the harness, a statement refused (the DSN's password masked)
"""

from __future__ import annotations


class HarnessError(Exception):
    """Root of every error the harness raises on purpose."""


class ConfigError(HarnessError):
    """Bad user input; the message names the file, line or field."""


class ProfileError(ConfigError):
    """A virtual-phone profile that cannot be loaded."""


class ScenarioError(ConfigError):
    """A scenario file (or a subflow) that does not validate; ``problems`` lists every
    ``FILE:LINE:COL: message``, and the message is all of them, one a line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ToolMissingError(HarnessError):
    """A host program is missing; the message says which package to install."""


class AdbServerError(HarnessError):
    """The adb server could not be started, did not answer in time, or answered nonsense; the
    message names its address (host:port)."""


class StepFailedError(HarnessError):
    """A scenario step failed; the message starts with the step's ``FILE:LINE:COL``."""


class AdbServerDownError(AdbServerError):
    """Nothing listens on the adb server's port."""


class AdbServerSilentError(AdbServerError):
    """Something listens on the adb server's port but did not answer in time."""


class DeviceError(HarnessError):
    """An error about one device; ``serial`` names it and is part of the message."""

    def __init__(self, serial: str, message: str) -> None:
        self.serial = serial
        super().__init__(f"{serial}: {message}")


class DeviceNotFoundError(DeviceError):
    """No device with that serial is connected."""


class DeviceGoneError(DeviceError):
    """The device disconnected while a command was running."""


class CommandFailedError(DeviceError):
    """A device command exited non-zero or reported an error."""

    def __init__(self, serial: str, command: str, exit_code: int | None, output: str) -> None:
        self.command = command
        self.exit_code = exit_code
        self.output = output
        detail = output.strip().splitlines()
        reason = detail[-1] if detail else "no output"
        super().__init__(serial, f"`{command}` failed (exit {exit_code}): {reason}")


class PackageNotFoundError(DeviceError):
    """The package is not installed on the device."""


class UnknownPermissionError(DeviceError):
    """The permission or app-op is unknown to the device or not requested by the app."""


class VerificationError(DeviceError):
    """A change was applied but reading it back shows a different state."""


class VirtualPhoneError(HarnessError):
    """Starting, stopping or serving a virtual phone failed."""


class InstrumentError(HarnessError):
    """Frida could not be reached, attach failed, or the agent could not be loaded."""


class UiError(DeviceError):
    """Driving the phone's UI failed (the UI server would not start, a dump or an input failed)."""


class ElementNotFoundError(UiError):
    """No element matched a selector within the time allowed."""


class ServerMissingError(InstrumentError):
    """No frida-server answers on the device (not started, or not as root)."""


class ServerVersionError(InstrumentError):
    """The device's frida-server is of another major version than the harness's frida."""


class NoAnswerError(InstrumentError):
    """A frida call got no answer within its timeout."""


class ProcessGoneError(InstrumentError):
    """The target process is not running, or exited (or was detached) meanwhile."""


class AttachRefusedError(InstrumentError):
    """frida was not allowed to attach to the process."""


class UnsupportedError(InstrumentError):
    """The device (or its frida) does not support the operation."""


class SpawnNotSupportedError(UnsupportedError):
    """The device cannot spawn processes; launch and attach after launch instead."""


class StoreError(HarnessError):
    """The run store could not be opened, written or read."""


class DetectError(HarnessError):
    """An input of the leak detector is malformed."""


class DatabaseError(HarnessError):
    """The fleet database (PostgreSQL, ``harness db``) could not be used: the driver is missing, the
    server cannot be reached, its schema is newer than this harness, or it refused a statement.  A DSN
    in the message has its password masked."""


class CaptureError(HarnessError):
    """The proxy could not start, or the phone's traffic could not be routed through it."""
