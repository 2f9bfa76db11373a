"""The hook agent ships in the package: a wheel built from a clean checkout (no node_modules, no
.venv, no build artefacts), installed into a fresh virtualenv and run away from the sources with
no npm or node on PATH, traces a local program (`harness trace --local --spawn -- python3 ...`)
and `harness export` shows the datagrams it sent.

The build runs npm ci (the npm registry) and pip fetches frida and setuptools for the isolated
build and the wheel's dependencies (PyPI); both are reachable here and in CI.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from harness.instrument import agent_build

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [b"wheel-datagram-%d" % i for i in range(3)]


def run(argv: Sequence[str | Path], *, cwd: Path, timeout: float,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command in a session of its own; on a timeout its whole process group is killed."""
    proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{argv[:4]} did not finish within {timeout} s:\n{out[-2000:]}\n{err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def check(argv: Sequence[str | Path], *, cwd: Path, timeout: float,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = run(argv, cwd=cwd, timeout=timeout, env=env)
    assert result.returncode == 0, (f"{argv[:4]} exited {result.returncode}:\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def clean_checkout(dest: Path) -> None:
    """The files of a fresh clone (tracked, plus new ones not ignored), copied to ``dest``."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no clean copy of the sources to build from")
    listed = check(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, timeout=60)
    for name in sorted(set(listed.stdout.split("\0"))):
        source = ROOT / name
        if name and source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def processes_under(folder: Path) -> list[int]:
    """Processes whose working folder or command line is inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(folder)) or str(folder) in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """The test's folder; no process started in it may outlive the test (any left is killed), and
    the bulky parts (the sources' copy, the virtualenv: 250 MB) are deleted with it."""
    yield tmp_path
    deadline = time.monotonic() + 10
    left = processes_under(tmp_path)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = processes_under(tmp_path)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for bulky in ("src", "venv"):
        shutil.rmtree(tmp_path / bulky, ignore_errors=True)
    assert not left, f"processes left running: {left}"


def test_wheel_ships_the_agent_and_traces_without_npm(workdir: Path) -> None:
    started = time.monotonic()
    src, dist, venv, work = (workdir / name for name in ("src", "dist", "venv", "work"))
    clean_checkout(src)
    assert (src / "frida_hooks" / "src" / "index.ts").is_file()
    assert not (src / "frida_hooks" / "node_modules").exists() and not (src / ".venv").exists()

    # the build compiles the agent (npm ci first: the copy has no node_modules) into the package
    check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, "."], cwd=src, timeout=600)
    built = time.monotonic()
    (wheel,) = dist.glob("android_privacy_harness-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {f"harness/instrument/{name}" for name in agent_build.SHIPPED} <= names
        assert not any(name.startswith("frida_hooks/") for name in names)
        catalogue = zf.read(f"harness/instrument/{agent_build.CATALOGUE}")
        assert catalogue == (ROOT / "frida_hooks" / "src" / "catalogue.json").read_bytes()
        stamp = json.loads(zf.read(f"harness/instrument/{agent_build.STAMP}"))
        assert stamp["frida"] == agent_build.frida_version()
        assert zf.read(f"harness/instrument/{agent_build.BUNDLE}").startswith("📦\n".encode())
    shutil.rmtree(src)  # the installed harness must not need the sources (nor their node_modules)

    # a fresh virtualenv (pip of this interpreter installs into it: no pip bootstrap to wait for)
    check([sys.executable, "-m", "venv", "--without-pip", venv], cwd=workdir, timeout=120)
    python = venv / "bin" / "python"
    check([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile", wheel],
          cwd=workdir, timeout=600)
    installed = time.monotonic()

    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HARNESS_FRIDA_HOOKS"}}
    env.update(PATH=str(venv / "bin"), HARNESS_CACHE_DIR=str(work / "cache"), HARNESS_HOME=str(work / "home"))
    assert shutil.which("npm", path=env["PATH"]) is None and shutil.which("node", path=env["PATH"]) is None
    where = check(["python", "-c", "import harness; print(harness.__file__)"], cwd=work, env=env, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(venv)

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(10)
        port = receiver.getsockname()[1]
        program = ("import socket, time\n"
                   "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                   f"for payload in {PAYLOADS!r}:\n"
                   f"    s.sendto(payload, ('127.0.0.1', {port}))\n"
                   "    time.sleep(0.02)\n")
        traced = check(["harness", "trace", "--local", "--hooks", "native_net", "--spawn", "--out", "run.run",
                        "--", "python3", "-c", program], cwd=work, env=env, timeout=120)
        assert "3 events (net.send 3)" in traced.stdout, traced.stdout + traced.stderr
        assert [receiver.recv(100) for _ in PAYLOADS] == PAYLOADS  # the traced program did send them

    exported = check(["harness", "export", "run.run", "--jsonl"], cwd=work, env=env, timeout=60)
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(e["kind"], base64.b64decode(e["data"])) for e in events] == [("net.send", p) for p in PAYLOADS]
    assert all(e["dest"]["port"] == port for e in events)
    assert not (work / "cache" / "agent").exists()  # the shipped bundle was used: nothing compiled

    done = time.monotonic()
    print(f"wheel built in {built - started:.1f} s, installed in {installed - built:.1f} s, "
          f"traced and exported in {done - installed:.1f} s")
