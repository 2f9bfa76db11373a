"""Phones and fake frida-servers for the doctor's tests.

``rooted_phone``: a virtual phone of the ``rooted`` profile (``su``; x86_64; a
``/data/local/tmp/frida-server`` whose ``--version`` prints the portal's frida version), shared by
this folder's tests; a test that changes it puts it back.  ``unrooted_phone``: a phone without
``su`` (the session's default-profile phone once that profile has no ``su``).  ``fake_server``
builds a tiny x86_64 "frida-server" with gcc: ``--version`` prints the version it was built with,
``-D`` forks and sleeps, as the real one daemonises.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from harness.device.device import Device
from harness.virtual.manager import PhoneManager, RunningPhone

PROFILES = Path(__file__).resolve().parents[2] / "harness" / "virtual" / "profile" / "profiles"

FAKE_SERVER_C = r"""
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--version") == 0) { puts(VERSION); return 0; }
    if (argc > 1 && strcmp(argv[1], "-D") == 0) { if (fork() != 0) return 0; setsid(); }
    for (;;) sleep(60);
}
"""


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``build(version)``: the path of a fake frida-server (x86_64 ELF) printing ``version``."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build the fake frida-servers (scripts/setup.sh installs it)")
    folder = tmp_path_factory.mktemp("fake-frida-server")
    source = folder / "frida_server.c"
    source.write_text(FAKE_SERVER_C, encoding="utf-8")
    built: dict[str, Path] = {}

    def build(version: str) -> Path:
        if version not in built:
            out = folder / f"frida-server-{version}"
            subprocess.run(["gcc", "-O2", f'-DVERSION="{version}"', "-o", str(out), str(source)], check=True,
                           capture_output=True, timeout=120)
            built[version] = out
        return built[version]

    return build


def _profile_file(folder: Path, name: str, **changes: object) -> Path:
    """The default profile with ``changes``, as a file of its own."""
    data = yaml.safe_load((PROFILES / "default.yaml").read_text(encoding="utf-8"))
    data.update(name=name, **{k: v for k, v in changes.items() if k != "abi"})
    if "abi" in changes:
        data["build"]["abi"] = changes["abi"]
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def rooted_phone(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPhone]:
    phone = PhoneManager().start(state=tmp_path_factory.mktemp("rooted") / "state", profile="rooted")
    yield phone
    PhoneManager().stop(phone.serial)


@pytest.fixture(scope="session")
def unrooted_phone(phone: RunningPhone, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPhone]:
    """The default-profile phone when it has no ``su``; else one of a profile without it."""
    if not Device.connect(phone.serial).facts().rooted:
        yield phone
        return
    folder = tmp_path_factory.mktemp("unrooted")
    own = PhoneManager().start(state=folder / "state", profile=str(_profile_file(folder, "no-su", rooted=False)))
    yield own
    PhoneManager().stop(own.serial)
