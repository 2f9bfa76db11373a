"""``shell:`` and ``exec:`` services: run a command in the phone's sandboxed shell.

Shell protocol v1 (``shell:CMD``) and ``exec:`` relay raw bytes (v1 merges stderr into stdout,
``exec:`` drops it); v2 (``shell,v2,...:CMD``) frames stdin/stdout/stderr and ends with the exit
status.  An empty command is an interactive shell on a pty.  When the host closes the stream,
the command's whole process group is killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pty
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from harness.virtual.adb.adbd import Stream, StreamClosed
from harness.virtual.adb.protocol import (
    SHELL_CLOSE_STDIN,
    SHELL_EXIT,
    SHELL_HEADER,
    SHELL_STDERR,
    SHELL_STDIN,
    SHELL_STDOUT,
    shell_packet,
)

log = logging.getLogger(__name__)

#: Builds the sandboxed argv for a device command line (and its environment).
CommandBuilder = Callable[[list[str], bool], list[str]]


@dataclass(frozen=True)
class ShellRequest:
    """A parsed ``shell[,opts]:CMD`` or ``exec:CMD`` destination."""

    command: str
    v2: bool
    pty: bool
    merge_stderr: bool
    drop_stderr: bool

    @classmethod
    def parse(cls, destination: str) -> ShellRequest:
        head, _, command = destination.partition(":")
        if head == "exec":
            return cls(command, v2=False, pty=False, merge_stderr=False, drop_stderr=True)
        options = head.split(",")[1:]
        v2 = "v2" in options
        if "pty" in options:
            use_pty = True
        elif "raw" in options:
            use_pty = False
        else:
            use_pty = command == ""  # adbd's default: pty only for interactive shells
        return cls(command, v2=v2, pty=use_pty, merge_stderr=not v2, drop_stderr=False)


class ShellSession:
    """Runs one shell request on one stream."""

    def __init__(self, stream: Stream, request: ShellRequest, build: CommandBuilder) -> None:
        self._stream = stream
        self._request = request
        self._build = build
        self._proc: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        request = self._request
        argv = ["/system/bin/sh", "-c", request.command] if request.command else ["/system/bin/sh", "-i"]
        command = self._build(argv, request.pty)
        if request.pty:
            self._run_pty(command)
            return
        stderr: int = subprocess.STDOUT if request.merge_stderr else subprocess.PIPE
        if request.drop_stderr:
            stderr = subprocess.DEVNULL
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True
        )
        self._proc = proc
        assert proc.stdout is not None and proc.stdin is not None
        threading.Thread(target=self._pump_stdin, args=(proc.stdin,), daemon=True).start()
        pumps = [threading.Thread(target=self._pump_out, args=(proc.stdout, SHELL_STDOUT), daemon=True)]
        if proc.stderr is not None:
            pumps.append(threading.Thread(target=self._pump_out, args=(proc.stderr, SHELL_STDERR), daemon=True))
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        status = proc.wait()
        if request.v2 and not self._stream.closed:
            self._stream.write(shell_packet(SHELL_EXIT, bytes([_exit_byte(status)])))

    def _run_pty(self, command: list[str]) -> None:
        master, slave = pty.openpty()
        proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self._proc = proc
        reader = os.fdopen(master, "rb", buffering=0)
        threading.Thread(target=self._pump_stdin, args=(os.fdopen(os.dup(master), "wb", buffering=0),),
                         daemon=True).start()
        self._pump_out(reader, SHELL_STDOUT)
        status = proc.wait()
        if self._request.v2 and not self._stream.closed:
            self._stream.write(shell_packet(SHELL_EXIT, bytes([_exit_byte(status)])))

    def _send(self, packet_id: int, data: bytes) -> None:
        if self._request.v2:
            self._stream.write(shell_packet(packet_id, data))
        else:
            self._stream.write(data)

    def _pump_out(self, pipe: IO[bytes], packet_id: int) -> None:
        try:
            while True:
                try:
                    chunk = os.read(pipe.fileno(), 65536)
                except OSError:  # a pty reports EIO once the child side is gone
                    break
                if not chunk:
                    break
                self._send(packet_id, chunk)
        except StreamClosed:
            self.kill()
        finally:
            with contextlib.suppress(OSError):
                pipe.close()

    def _pump_stdin(self, stdin: IO[bytes]) -> None:
        """Host -> command; when the host closes the stream, kill the process group."""
        try:
            if self._request.v2:
                self._pump_stdin_v2(stdin)
            else:
                while data := self._stream.read():
                    stdin.write(data)
                    stdin.flush()
        except (StreamClosed, OSError):
            pass
        with contextlib.suppress(OSError):
            stdin.close()
        if self._stream.closed:
            self.kill()

    def _pump_stdin_v2(self, stdin: IO[bytes]) -> None:
        while True:
            packet_id, size = SHELL_HEADER.unpack(self._stream.read_exact(SHELL_HEADER.size))
            data = self._stream.read_exact(size) if size else b""
            if packet_id == SHELL_STDIN:
                stdin.write(data)
                stdin.flush()
            elif packet_id == SHELL_CLOSE_STDIN:
                stdin.close()
                # keep reading so a host-side close is still noticed
                while self._stream.read():
                    pass
                return

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)


def _exit_byte(status: int) -> int:
    # A command killed by signal N exits 128+N in a shell, as adbd reports it.
    return (128 - status if status < 0 else status) & 0xFF
