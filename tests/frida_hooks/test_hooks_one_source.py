"""Facts the agent and the harness share are defined once: the hook-module list (catalogue.json),
the message types (frida_hooks/src/messages.ts, mirrored in harness.instrument.messages)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import frida
import pytest

from harness.instrument import messages
from harness.instrument.agent import agent_source, catalogue
from harness.instrument.config import AgentConfig, all_modules

ROOT = Path(__file__).resolve().parents[2] / "frida_hooks"


def test_message_types_are_the_agent_s() -> None:
    ts = (ROOT / "src" / "messages.ts").read_text()
    declared = dict(re.findall(r'export const ([A-Z_]+) = "([^"]+)";', ts))
    assert declared and declared == {name: getattr(messages, name) for name in declared}
    for source in (ROOT / "src").rglob("*.ts"):  # spelled nowhere else
        if source.name != "messages.ts":
            code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source.read_text(), flags=re.S)
            assert not re.search(r'"harness:[a-z-]+"', code), f"{source}: a message type spelled as a literal"


@pytest.fixture
def sleeper() -> subprocess.Popen[bytes]:
    # attached only once it runs its script: frida's injector crashes (SIGSEGV in its loader) when it
    # attaches to a process the dynamic loader is still mapping (seen once in CI)
    proc = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    yield proc
    proc.kill()
    proc.wait()


def test_the_agent_implements_exactly_the_catalogue(sleeper: subprocess.Popen[bytes]) -> None:
    assert all_modules() == tuple(m.name for m in catalogue())
    assert AgentConfig().modules == all_modules()
    session = frida.get_local_device().attach(sleeper.pid)
    try:
        script = session.create_script(agent_source())
        script.load()
        assert tuple(script.exports_sync.modules()) == all_modules()
        script.unload()
    finally:
        session.detach()


def test_an_agent_that_disagrees_with_the_catalogue_refuses_to_load(tmp_path: Path,
                                                                   sleeper: subprocess.Popen[bytes]) -> None:
    copy = tmp_path / "frida_hooks"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(ROOT / "node_modules")
    entries = json.loads((copy / "src" / "catalogue.json").read_text())
    entries.append({"name": "extra", "description": "catalogued, not implemented", "targets": []})
    (copy / "src" / "catalogue.json").write_text(json.dumps(entries))
    bundle = frida.Compiler().build("src/index.ts", project_root=str(copy))
    session = frida.get_local_device().attach(sleeper.pid)
    errors: list[str] = []
    try:
        script = session.create_script(bundle)
        script.on("message", lambda message, data: errors.append(str(message.get("description"))))
        script.load()  # a script's top-level exception arrives as an "error" message
        with pytest.raises(frida.RPCException, match="unable to find method"):
            script.exports_sync.modules()  # no RPC exports: it never got that far
    finally:
        session.detach()
    assert any(re.search(r"implements modules \[network, .*packages\] but catalogue.json lists \[.*packages, extra\]",
                         e) for e in errors), errors
