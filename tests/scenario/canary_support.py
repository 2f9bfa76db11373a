"""Helpers for the canary tests: a ``Shell`` over the virtual phone's tools in-process, fake shells
answering in Android's formats, and hostile canary text."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence

from harness.device.shell import DEFAULT_TIMEOUT, ShellResult, quote_command
from harness.errors import CommandFailedError
from harness.testing.virtual import ToolShell
from harness.virtual.shell.tools import TOOLS

#: Quotes, a command substitution, backticks, a separator, a newline, a colon and non-ASCII.
HOSTILE = "O'Brien \"Q\" $(touch /data/local/tmp/pwned) `touch /data/local/tmp/pwned2`; exit 3\nZoë 日本: x"


class ToolShellDevice:
    """A ``Shell`` whose commands run on the virtual phone's tools in-process (no adb, no sandbox):
    the device layer's code against the phone's own state, which a test can then look into."""

    serial = "toolshell"

    def __init__(self, sh: ToolShell) -> None:
        self.sh = sh
        self.commands: list[list[str]] = []

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        argv = [str(a) for a in args]
        if argv[:2] == ["sh", "-c"]:    # `A && B && ...`, each word quoted: run them in turn
            chain: list[list[str]] = [[]]
            for word in shlex.split(argv[2]):
                if word == "&&":
                    chain.append([])
                else:
                    chain[-1].append(word)
        else:
            chain = [argv]
        status, out, err = 0, "", ""
        for command in chain:
            self.commands.append(command)
            if command[0] not in TOOLS:
                status, err = 127, err + f"/system/bin/sh: {command[0]}: not found\n"
                break
            ran = self.sh(command)
            status, out, err = ran.status, out + ran.stdout, err + ran.stderr
            if status != 0:
                break
        result = ShellResult(quote_command(argv), status, out, err)
        if check and result.exit_code != 0:
            raise CommandFailedError(self.serial, result.command, result.exit_code, result.output)
        return result

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        raise NotImplementedError

    def pull(self, remote: str, local: str) -> int:
        raise NotImplementedError


class FakeShell:
    """A ``Shell`` answering commands (joined with spaces) from ``answers``: a value is stdout (exit
    0), a (exit, stdout) pair, or a function of the argv; anything else exits 127, not found."""

    serial = "fake"

    def __init__(self, answers: Mapping[str, str | tuple[int, str] | Callable[[list[str]], tuple[int, str]]]) -> None:
        self.answers = answers
        self.commands: list[list[str]] = []

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        argv = [str(a) for a in args]
        self.commands.append(argv)
        answer = self.answers.get(" ".join(argv), (127, ""))
        code, out = answer(argv) if callable(answer) else (answer if isinstance(answer, tuple) else (0, answer))
        return ShellResult(quote_command(argv), code, out, "" if code != 127 else "not found\n")

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        raise NotImplementedError

    def pull(self, remote: str, local: str) -> int:
        raise NotImplementedError


def parcel(text: str | None, status: int = 0) -> str:
    """``service call`` output for a reply holding the string ``text`` (None: a null string), laid
    out the way Android's ``service`` prints it (16 bytes a line, offsets, an ASCII column)."""
    words = [status, 0xFFFFFFFF if text is None else len(text)]
    data = (text or "").encode("utf-16-le") + b"\0\0"
    data += b"\0" * (-len(data) % 4)
    words += [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]
    if len(words) <= 2:
        return f"Result: Parcel({words[0]:08x} {words[1]:08x}   '........')\n"
    lines = ["Result: Parcel("]
    for i in range(0, len(words), 4):
        chunk = words[i:i + 4]
        ascii_col = "".join(chr(b) if 32 <= b < 127 else "." for w in chunk for b in w.to_bytes(4, "little"))
        lines.append(f"  0x{i * 4:08x}: {' '.join(f'{w:08x}' for w in chunk):<35} '{ascii_col}'")
    lines.append(")")
    return "\n".join(lines) + "\n"
