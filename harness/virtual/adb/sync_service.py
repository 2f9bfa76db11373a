"""``sync:`` service: adb push/pull/ls/stat over the phone's filesystem.

Requests are an 8-byte header (4-char id, little-endian length) and a path; file data travels
in DATA chunks of at most 64 KiB.  Device paths map into the state folder exactly as in the
shell sandbox; /system is read-only, as on a user build, and the phone's ``WritePolicy`` refuses
what adbd's uid (shell) may not write, such as the user CA store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path

from harness.errors import HarnessError
from harness.files import temporary_sibling
from harness.virtual.adb.adbd import Stream

log = logging.getLogger(__name__)

_REQUEST = struct.Struct("<4sI")
_STAT = struct.Struct("<III")
_DENT = struct.Struct("<IIII")
SYNC_DATA_MAX = 64 * 1024
_MAX_PATH = 1024

#: Maps a device path to a host path; raises HarnessError for paths outside the phone.
PathMapper = Callable[[str], Path]
#: Why adbd may not write a host path of the phone ("Permission denied"), or None when it may.
WritePolicy = Callable[[Path], "str | None"]


class SyncSession:
    def __init__(self, stream: Stream, map_path: PathMapper, read_only_root: Path,
                 write_policy: WritePolicy | None = None) -> None:
        self._stream = stream
        self._map = map_path
        self._read_only_root = read_only_root
        self._write_policy = write_policy

    def run(self) -> None:
        while True:
            request, length = _REQUEST.unpack(self._stream.read_exact(_REQUEST.size))
            if length > _MAX_PATH:
                self._fail("path too long")
                return
            arg = self._stream.read_exact(length).decode("utf-8", "replace") if length else ""
            if request == b"QUIT":
                return
            handler = {b"STAT": self._stat, b"LIST": self._list, b"SEND": self._send,
                       b"RECV": self._recv}.get(request)
            if handler is None:
                self._fail(f"unknown sync request {request!r}")
                return
            handler(arg)

    def _fail(self, message: str) -> None:
        data = message.encode()
        self._stream.write(b"FAIL" + struct.pack("<I", len(data)) + data)

    def _host(self, device_path: str) -> Path | None:
        try:
            return self._map(device_path)
        except HarnessError:
            return None

    def _stat(self, device_path: str) -> None:
        host = self._host(device_path)
        try:
            if host is None:
                raise FileNotFoundError(device_path)
            st = host.lstat()
            self._stream.write(b"STAT" + _STAT.pack(st.st_mode, st.st_size & 0xFFFFFFFF, int(st.st_mtime)))
        except OSError:
            self._stream.write(b"STAT" + _STAT.pack(0, 0, 0))

    def _list(self, device_path: str) -> None:
        host = self._host(device_path)
        out = bytearray()
        if host is not None and host.is_dir():
            for name in [".", "..", *sorted(os.listdir(host))]:
                with contextlib.suppress(OSError):
                    st = (host / name).lstat()
                    encoded = name.encode()
                    out += b"DENT" + _DENT.pack(st.st_mode, st.st_size & 0xFFFFFFFF, int(st.st_mtime),
                                                len(encoded)) + encoded
        out += b"DONE" + _DENT.pack(0, 0, 0, 0)
        self._stream.write(bytes(out))

    def _send(self, arg: str) -> None:
        device_path, _, mode_text = arg.rpartition(",")
        if not device_path:
            device_path, mode_text = arg, "33188"
        try:
            mode = int(mode_text)
        except ValueError:
            mode = 0o100644
        host = self._host(device_path)
        error = None
        if host is None:
            error = f"couldn't create file: {device_path}: No such file or directory"
        elif host.is_relative_to(self._read_only_root):
            error = f"couldn't create file: {device_path}: Read-only file system"
        elif self._write_policy is not None and (refusal := self._write_policy(host)) is not None:
            error = f"couldn't create file: {device_path}: {refusal}"
        elif host.is_dir():
            error = f"couldn't create file: {device_path}: Is a directory"
        temp = None
        handle = None
        if error is None and host is not None:
            try:
                host.parent.mkdir(parents=True, exist_ok=True)
                temp = temporary_sibling(host, "adbtmp")
                handle = temp.open("wb")
            except OSError as exc:
                error = f"couldn't create file: {device_path}: {exc.strerror}"
        mtime = 0
        symlink_target = bytearray()
        try:
            while True:  # always drain the DATA chunks, even when we will fail
                kind, size = _REQUEST.unpack(self._stream.read_exact(_REQUEST.size))
                if kind == b"DATA":
                    chunk = self._stream.read_exact(size)
                    if handle is not None:
                        if stat.S_ISLNK(mode):
                            symlink_target += chunk
                        else:
                            handle.write(chunk)
                elif kind == b"DONE":
                    mtime = size
                    break
                else:
                    error = f"unexpected sync packet {kind!r}"
                    break
        finally:
            if handle is not None:
                handle.close()
        if error is None and temp is not None and host is not None:
            if stat.S_ISLNK(mode):
                temp.unlink(missing_ok=True)
                host.unlink(missing_ok=True)
                host.symlink_to(symlink_target.decode())
            else:
                os.chmod(temp, mode & 0o7777)
                os.utime(temp, (mtime, mtime))
                os.replace(temp, host)
            self._stream.write(b"OKAY" + b"\0" * 4)
        else:
            if temp is not None:
                temp.unlink(missing_ok=True)
            self._fail(error or "sync failed")

    def _recv(self, device_path: str) -> None:
        host = self._host(device_path)
        try:
            if host is None:
                raise FileNotFoundError
            with host.open("rb") as handle:
                while chunk := handle.read(SYNC_DATA_MAX):
                    self._stream.write(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
        except FileNotFoundError:
            self._fail(f"remote object '{device_path}' does not exist")
            return
        except IsADirectoryError:
            self._fail(f"remote object '{device_path}' is a directory")
            return
        except OSError as exc:
            self._fail(f"{device_path}: {exc.strerror}")
            return
        self._stream.write(b"DONE" + b"\0" * 4)
