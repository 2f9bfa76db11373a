"""Real-phone tests (each module is marked ``device``): skipped unless a real phone is there.

    pytest -m device tests/real_phone --device SERIAL          # or ANDROID_SERIAL=SERIAL
    HARNESS_FRIDA_SERVER=frida-server-17.26.2-android-arm64.xz \\
    HARNESS_FRIDA_SERVER_OTHER=frida-server-16.7.19-android-arm64.xz pytest -m device tests/real_phone

The session (``tests/conftest.py``) runs its own adb server on a private port; a USB phone shows up
there once no other adb server holds it (run ``adb kill-server`` first).  To use an adb server
that already has the phone (yours on 5037, a lab's), set ``HARNESS_TEST_ADB=HOST:PORT``: the
session then talks to that one.  Run these tests on their own (``-m device``): frida reads the adb
server's address once per process.

Without ``--device``/``ANDROID_SERIAL`` the one connected phone that is not a virtual phone of
this host is used; none (or several) skips every test here.  ``HARNESS_FRIDA_SERVER`` (a
frida-server of the pinned version for the phone) and ``HARNESS_FRIDA_SERVER_OTHER`` (one of
another major version) enable the tests that place or refuse a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def _option(config: pytest.Config) -> str | None:
    value = getattr(config.option, "harness_device", None)   # the harness pytest plugin's --device
    return str(value).split(",")[0] if value else None


_ADB_VARIABLES = ("ANDROID_ADB_SERVER_HOST", "ANDROID_ADB_SERVER_PORT", "ANDROID_ADB_SERVER_ADDRESS",
                  "ADB_SERVER_SOCKET")


@pytest.fixture(scope="session")
def real_phone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The serial of the real phone under test (skips without one)."""
    lab = os.environ.get("HARNESS_TEST_ADB")
    if not lab:
        yield _find_phone(request.config)
        return
    from harness.device.adb_env import parse_server, use_server

    saved = {name: os.environ.get(name) for name in _ADB_VARIABLES}
    use_server(*parse_server(lab))
    try:
        yield _find_phone(request.config)
    finally:
        # back to the session's own server, which the session stops at its end (never the lab's)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _find_phone(config: pytest.Config) -> str:
    from harness.device.adb import adb_client
    from harness.errors import HarnessError
    from harness.virtual.manager import PhoneManager

    serial = _option(config) or os.environ.get("ANDROID_SERIAL")
    try:
        listed = {str(d.serial): str(d.state) for d in adb_client().list()}
    except HarnessError as exc:
        pytest.skip(f"no adb server to find a real phone: {exc}")
    if serial is None:
        virtual = {p.serial for p in PhoneManager().running()}
        phones = [s for s in listed if s not in virtual]
        if len(phones) != 1:
            pytest.skip(f"real-phone tests need one phone (give --device SERIAL); connected: {phones or 'none'} "
                        "(stop your own adb server first, or set HARNESS_TEST_ADB=127.0.0.1:5037)")
        serial = phones[0]
    if serial not in listed:
        pytest.skip(f"{serial} is not connected to the adb server the tests use (see HARNESS_TEST_ADB)")
    return serial


def _file(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"set {name} to a frida-server file to run this test")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"{name}={value}: no such file")
    return path


@pytest.fixture
def server_of_pinned_version() -> Path:
    return _file("HARNESS_FRIDA_SERVER")


@pytest.fixture
def server_of_other_version() -> Path:
    return _file("HARNESS_FRIDA_SERVER_OTHER")
