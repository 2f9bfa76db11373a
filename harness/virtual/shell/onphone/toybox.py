"""The virtual phone's ``toybox``: the ``md5sum``/``sha*sum`` applets and the multicall entry.

Installed as ``/system/bin/toybox`` with ``md5sum``, ``sha1sum`` ... linked to it, as on Android,
where those are toybox applets.  It runs inside the shell sandbox (standard library only, under
``python -I -S``), so it reads files exactly as the shell sees them, /proc and /tmp included.
The behaviour follows toybox's toys/lsb/md5sum.c and lib/args.c: ``<hex>  <name>`` per file,
stdin for no file or ``-``; ``md5sum: NAME: No such file or directory`` on stderr for a file it
cannot open, and exit 1 at the end; a directory opens but reads nothing, so it gets the hash of
no data.  ``toybox APPLET ARGS`` runs any other applet through the program that stands in for it
on the shell's PATH (the host's tools and the phone's service tools play toybox's other applets).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import BinaryIO

#: Reads up to n bytes; b"" at the end (a file descriptor's or stdin's read).
Reader = Callable[[int], bytes]

#: Android 14's toybox version string [U: recalled from a device, not verified].
VERSION = "0.8.9-android"
HASHES = {"md5sum": "md5", "sha1sum": "sha1", "sha224sum": "sha224", "sha256sum": "sha256",
          "sha384sum": "sha384", "sha512sum": "sha512"}
#: The applets of Android 14's toybox [U: recalled list]; those not hashed here run via PATH.
_APPLET_NAMES = """
acpi base64 basename blkdiscard blkid blockdev brctl cal cat chattr chcon chgrp chmod chown chroot chrt cksum
clear cmp comm cp cpio cut date dd devmem df diff dirname dmesg dos2unix du echo egrep env expand expr fallocate
false fgrep file find flock fmt free freeramdisk fsfreeze fsync getconf getenforce getfattr getopt grep groups
gunzip gzip head help hostname hwclock i2cdetect i2cdump i2cget i2cset iconv id ifconfig inotifyd insmod install
ionice iorenice iotop kill killall ln load_policy log logname losetup ls lsattr lsmod lsof lspci lsusb makedevs
md5sum microcom mkdir mkfifo mknod mkswap mktemp modinfo modprobe more mount mountpoint mv nbd-client nc netcat
netstat nice nl nohup nproc nsenter od partprobe paste patch pgrep pidof ping ping6 pivot_root pkill pmap printenv
printf prlimit ps pwd pwdx readelf readlink realpath renice restorecon rev rfkill rm rmdir rmmod rtcwake runcon sed
sendevent seq setenforce setfattr setsid sha1sum sha224sum sha256sum sha384sum sha512sum sleep sort split stat
strings stty swapoff swapon sync sysctl tac tail tar taskset tee test time timeout top touch tr traceroute
traceroute6 true truncate tty tunctl uclampset ulimit umount uname uniq unix2dos unlink unshare uptime usleep
uudecode uuencode uuidgen vconfig vi vmstat watch wc which whoami xargs xxd yes zcat
"""
APPLETS = frozenset(_APPLET_NAMES.split())
_HEADER = f"Toybox {VERSION} multicall binary: https://landley.net/toybox (see toybox --help)\n\n"
_MD5_HELP = """usage: md5sum [-bcs] [FILE]...

Calculate md5 hash for each input file, reading from stdin if none.
Output one hash (32 hex digits) for each input file, followed by filename.

-b\tBrief (hash only, no filename)
-c\tCheck each line of each FILE is the same hash+filename we'd output
-s\tNo output, exit status 0 if all hashes match, 1 otherwise
"""
_SHA_HELP = """usage: sha?sum [-bcs] [FILE]...

Calculate sha hash for each input file, reading from stdin if none. Output
one hash (40 hex digits for sha1, 56 for sha224, 64 for sha256, 96 for sha384,
and 128 for sha512) for each input file, followed by filename.

-b\tBrief (hash only, no filename)
-c\tCheck each line of each FILE is the same hash+filename we'd output
-s\tNo output, exit status 0 if all hashes match, 1 otherwise
"""
_LONG_OPTIONS = {"check": "c", "status": "s"}
_TOYBOX_HELP = """usage: toybox [--long | --help | --version | [COMMAND] [ARGUMENTS...]]

With no arguments, "toybox" shows available COMMAND names. Add --long
to include suggested install path for each command, see
https://landley.net/toybox/faq.html#install for details.

First argument is name of a COMMAND to run, followed by any ARGUMENTS
to that command. Most toybox commands also understand:

--help\t\tShow command help (only)
--version\tShow toybox version (only)
"""
_EXIT_UNKNOWN_COMMAND = 127
_CHUNK = 65536


def _chunks(read: Reader) -> Iterator[bytes]:
    """The input until its end; a read error ends it too, as in toybox (so a directory reads as empty)."""
    while True:
        try:
            chunk = read(_CHUNK)
        except OSError:
            return
        if not chunk:
            return
        yield chunk


class _Exit(Exception):
    """toybox's xexit(): leave with ``status`` once the message is out."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class HashApplet:
    """One run of md5sum or a sha*sum: its flags, its streams and its exit status."""

    def __init__(self, name: str, stdin: BinaryIO, stdout: BinaryIO, stderr: BinaryIO) -> None:
        self.name = name
        self.algorithm = HASHES[name]
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.flags: set[str] = set()
        self.status = 0

    # --- messages, as lib/lib.c prints them -------------------------------------------------

    def _error(self, message: str) -> None:
        """error_msg/perror_msg: ``name: message`` on stderr; the exit status becomes 1."""
        self.stderr.write(os.fsencode(f"{self.name}: {message}\n"))
        self.status = 1

    def _help_exit(self, message: str) -> None:
        """help_exit: the message, a pointer to --help, exit 1."""
        self._error(f'{message} (see "{self.name} --help")')
        raise _Exit(1)

    # --- "bc(check)s(status)[!bc]" ----------------------------------------------------------

    def _set_flag(self, flag: str) -> None:
        other = {"b": "c", "c": "b"}.get(flag)
        self.flags.add(flag)
        if other in self.flags:
            self._help_exit(f"No '{flag}' with '{other}'")

    def parse(self, argv: list[str]) -> list[str]:
        """The operands; flags go to ``self.flags``; --help and --version answer and exit."""
        operands: list[str] = []
        only_operands = False
        for arg in argv:
            if only_operands or arg == "-" or not arg.startswith("-"):
                operands.append(arg)
            elif arg == "--":
                only_operands = True
            elif arg.startswith("--"):
                if arg in ("--help", "--version"):
                    text = _HEADER + (_MD5_HELP if self.name == "md5sum" else _SHA_HELP)
                    self.stdout.write((text if arg == "--help" else f"toybox {VERSION}\n").encode())
                    raise _Exit(0)
                word = arg[2:]
                matches = [flag for long, flag in _LONG_OPTIONS.items() if word and long.startswith(word)]
                if not matches:
                    self._help_exit(f"Unknown option '{word}'")
                self._set_flag(matches[0])
            else:
                for index, flag in enumerate(arg[1:], start=1):
                    if flag not in "bcs":
                        self._help_exit(f"Unknown option '{arg[index:]}'")
                    self._set_flag(flag)
        return operands

    # --- hashing ----------------------------------------------------------------------------

    def _digest(self, read: Reader) -> str:
        digest = hashlib.new(self.algorithm)
        for chunk in _chunks(read):
            digest.update(chunk)
        return digest.hexdigest()

    def _with_file(self, name: str, use: Callable[[Reader], None]) -> bool:
        """Open ``name`` (``-`` is stdin) and pass its reader to ``use``; False, reported, if it does not open.

        os.open, not open(): Python refuses directories, open(2) does not, and toybox reads them.
        """
        if name == "-":
            use(self.stdin.read)
            return True
        try:
            fd = os.open(name, os.O_RDONLY)
        except OSError as exc:
            self._error(f"{name}: {exc.strerror}")
            return False
        try:
            use(lambda size: os.read(fd, size))
        finally:
            os.close(fd)
        return True

    def hash_files(self, names: list[str]) -> None:
        """loopfiles(do_hash): one line per file that opened."""
        if "s" in self.flags:
            self._error("-s only with -c")
            raise _Exit(1)
        brief = "b" in self.flags
        for name in names or ["-"]:
            def show(read: Reader, name: str = name) -> None:
                line = self._digest(read) if brief else f"{self._digest(read)}  {name}"
                self.stdout.write(os.fsencode(line) + b"\n")
            self._with_file(name, show)

    def check_files(self, names: list[str]) -> None:
        """-c: each line of each FILE is ``HASH NAME``; says OK or FAILED per NAME (-s: silent)."""
        for name in names:
            content = self._read_all(name)
            if content is None:
                continue
            lines = content.split(b"\n")
            if lines[-1] == b"":     # getline(): a final newline ends the last line, it starts none
                lines.pop()
            checked = [self._check_line(os.fsdecode(line)) for line in lines]
            if not any(checked):
                self._error(f"{name}: no lines")

    def _read_all(self, name: str) -> bytes | None:
        """The whole of ``name``, None if it does not open."""
        chunks: list[bytes] = []
        return b"".join(chunks) if self._with_file(name, lambda read: chunks.extend(_chunks(read))) else None

    def _check_line(self, line: str) -> bool:
        """do_c_line; True if the line was well formed (toybox's sawline)."""
        expected, _, rest = line.partition(next((c for c in line if c.isspace()), "\0"))
        name = rest.lstrip()
        if not expected or not name:
            self._error(f"bad line {expected}")
            return False
        actual: list[str] = []
        opened = self._with_file(name, lambda read: actual.append(self._digest(read)))
        ok = opened and actual[0].lower() == expected.lower()
        if not ok:
            self.status = 1
        if "s" not in self.flags:
            self.stdout.write(os.fsencode(f"{name}: {'OK' if ok else 'FAILED'}\n"))
        return True

    def run(self, argv: list[str]) -> int:
        try:
            operands = self.parse(argv)
            if "c" in self.flags:
                self.check_files(operands)
            else:
                self.hash_files(operands)
        except _Exit as exit_:
            return exit_.status
        return self.status


def _runnable(name: str) -> str | None:
    """The program on PATH that plays toybox applet ``name`` here; never this toybox itself."""
    own = os.path.realpath(sys.argv[0])
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate) and os.path.realpath(candidate) != own:
            return candidate
    return None


def _list_applets() -> int:
    """``toybox`` alone: the applets, space separated, a new line when the next would pass 65 columns."""
    names = sorted(name for name in APPLETS if name in HASHES or _runnable(name))
    out, column = [], 0
    for name in names:
        column += len(name) + 1
        if column > 80 - 15:
            column = 0
        out.append(name + (" " if column else "\n"))
    sys.stdout.write("".join(out) + "\n")
    return 0


def _unknown(name: str) -> int:
    sys.stderr.write(f'toybox: Unknown command {name} (see "toybox --help")\n')
    return _EXIT_UNKNOWN_COMMAND


def run_applet(name: str, argv: list[str]) -> int:
    """Run applet ``name``: a hash here, anything else by exec of its stand-in on PATH."""
    if name in HASHES:
        return HashApplet(name, sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer).run(argv)
    program = _runnable(name) if name in APPLETS else None
    if program is None:
        return _unknown(name)
    sys.stdout.flush()
    os.execv(program, [name, *argv])


def main() -> int:
    called_as = os.path.basename(sys.argv[0])
    if called_as in HASHES:
        return run_applet(called_as, sys.argv[1:])
    argv = sys.argv[1:]
    if not argv or argv[0] == "--long":     # --long adds install paths, which this toybox does not keep
        return _list_applets()
    if argv[0] == "--version":
        sys.stdout.write(f"toybox {VERSION}\n")
        return 0
    if argv[0] == "--help":
        sys.stdout.write(_HEADER + _TOYBOX_HELP)
        return 0
    return run_applet(os.path.basename(argv[0]), argv[1:])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(141)
