"""Helpers the tools share: Java exception output, argument cursors, uid names."""

from __future__ import annotations

import hashlib

from harness.virtual.profile.spec import FIRST_APP_UID
from harness.virtual.shell.tools.base import ToolContext

#: What ``BasicShellCommandHandler.exec`` returns for ``onCommand() == -1`` or an exception.
EXIT_JAVA_ERROR = 255

_BINDER_FRAMES = (
    "com.android.modules.utils.BasicShellCommandHandler.exec(BasicShellCommandHandler.java:97)",
    "android.os.ShellCommand.exec(ShellCommand.java:38)",
)
_TRANSACT_FRAMES = (
    "android.os.Binder.shellCommand(Binder.java:1092)",
    "android.os.Binder.onTransact(Binder.java:912)",
)
SERVICE_FRAMES = {
    "package": ("com.android.server.pm.PackageManagerShellCommand.onCommand(PackageManagerShellCommand.java:272)",
                *_BINDER_FRAMES,
                "com.android.server.pm.PackageManagerService$IPackageManagerImpl.onShellCommand"
                "(PackageManagerService.java:6611)", *_TRANSACT_FRAMES,
                "android.content.pm.IPackageManager$Stub.onTransact(IPackageManager.java:4352)",
                "com.android.server.pm.PackageManagerService$IPackageManagerImpl.onTransact"
                "(PackageManagerService.java:6595)",
                "android.os.Binder.execTransactInternal(Binder.java:1392)",
                "android.os.Binder.execTransact(Binder.java:1299)"),
    "input": ("com.android.server.input.InputShellCommand.onCommand(InputShellCommand.java:152)",
              *_BINDER_FRAMES,
              "com.android.server.input.InputManagerService.onShellCommand(InputManagerService.java:2862)",
              *_TRANSACT_FRAMES,
              "android.os.Binder.execTransactInternal(Binder.java:1392)",
              "android.os.Binder.execTransact(Binder.java:1299)"),
    "settings": ("com.android.providers.settings.SettingsService$MyShellCommand.onCommand"
                 "(SettingsService.java:264)", *_BINDER_FRAMES,
                 "com.android.providers.settings.SettingsService.onShellCommand(SettingsService.java:51)",
                 *_TRANSACT_FRAMES,
                 "android.os.Binder.execTransactInternal(Binder.java:1392)",
                 "android.os.Binder.execTransact(Binder.java:1299)"),
}


def java_exception(ctx: ToolContext, verb: str, exception: str, message: str, *,
                   frames: tuple[str, ...] = (), service: str = "package") -> int:
    """What a Java shell command prints on stderr when ``onCommand`` throws; returns 255."""
    lines = ["", f"Exception occurred while executing '{verb}':", f"{exception}: {message}"]
    lines += [f"\tat {frame}" for frame in (*frames, *SERVICE_FRAMES.get(service, ()))]
    ctx.err(("\n".join(lines) + "\n").encode("utf-8"))
    return EXIT_JAVA_ERROR


def unknown_command(ctx: ToolContext, verb: str) -> int:
    """``ShellCommand.handleDefaultCommands`` for a verb it does not know (stdout, 255)."""
    ctx.print(f"Unknown command: {verb}")
    return EXIT_JAVA_ERROR


def object_hash(*parts: object) -> str:
    """A stable stand-in for ``Integer.toHexString(System.identityHashCode(x))``."""
    digest = hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()
    return digest[:7].lstrip("0") or "1"


def user_name(uid: int) -> str:
    """The ``ps`` USER column: ``u0_a190`` for apps, a named AID for system uids."""
    names = {0: "root", 1000: "system", 1001: "radio", 1002: "bluetooth", 1010: "wifi", 1013: "media",
             1036: "logd", 1041: "audioserver", 1068: "secure_element", 2000: "shell", 9999: "nobody"}
    if uid >= FIRST_APP_UID:
        return f"u0_a{uid - FIRST_APP_UID}"
    return names.get(uid, str(uid))


class Args:
    """A cursor over argv, the way Android's ShellCommand reads it (getNextArg/getNextOption)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = list(argv)
        self.position = 0

    def next(self) -> str | None:
        if self.position >= len(self.argv):
            return None
        self.position += 1
        return self.argv[self.position - 1]

    def peek(self) -> str | None:
        return self.argv[self.position] if self.position < len(self.argv) else None

    def next_option(self) -> str | None:
        """The next ``-x``/``--x`` argument, or None at the first non-option (``--`` ends options)."""
        current = self.peek()
        if current is None or not current.startswith("-") or current == "-":
            return None
        self.position += 1
        return None if current == "--" else current

    def rest(self) -> list[str]:
        remaining = self.argv[self.position:]
        self.position = len(self.argv)
        return remaining
