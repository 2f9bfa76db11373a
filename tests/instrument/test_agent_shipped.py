"""How ``agent_source()`` and ``catalogue()`` choose between the bundle shipped in the package and
one compiled from frida_hooks/ (the wheel itself: test_agent_wheel.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.errors import InstrumentError, ToolMissingError
from harness.instrument import agent as agent_mod
from harness.instrument import agent_build

CHECKOUT = Path(__file__).resolve().parents[2] / "frida_hooks"


@pytest.fixture
def hooks_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of frida_hooks/ (sharing its node_modules) as the checkout; an empty cache; no memo."""
    copy = tmp_path / "frida_hooks"
    shutil.copytree(CHECKOUT, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(CHECKOUT / "node_modules")
    index = copy / "src" / "index.ts"
    index.write_text(index.read_text() + f"\n// {tmp_path.name}\n")  # a key of its own
    monkeypatch.setenv("HARNESS_FRIDA_HOOKS", str(copy))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(agent_mod, "_memo", {})
    return copy


def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pretend to be a regular install: the package folder has no frida_hooks/ beside it."""
    shipped = tmp_path / "site-packages" / "harness" / "instrument"
    shipped.mkdir(parents=True)
    monkeypatch.delenv("HARNESS_FRIDA_HOOKS", raising=False)
    monkeypatch.setattr(agent_mod, "SHIPPED_DIR", shipped)
    monkeypatch.setattr(agent_mod, "_memo", {})
    return shipped


def test_checkout_uses_the_built_bundle_until_its_sources_change(
        hooks_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "package"
    key = agent_build.build_into(hooks_copy, shipped)
    assert agent_build.read_stamp(shipped) == {"key": key, "frida": agent_build.frida_version()}
    assert (shipped / agent_build.CATALOGUE).read_bytes() == (hooks_copy / "src" / "catalogue.json").read_bytes()
    monkeypatch.setattr(agent_mod, "SHIPPED_DIR", shipped)
    marked = (shipped / agent_build.BUNDLE).read_text() + "\n// the shipped one\n"
    (shipped / agent_build.BUNDLE).write_text(marked)
    assert agent_mod.agent_source() == marked  # same sources and frida: nothing compiled
    assert not (tmp_path / "cache").exists()

    lock = hooks_copy / "package-lock.json"
    lock.write_text(lock.read_text() + "\n")  # the lock file (like any source) changed: compile, cache
    source = agent_mod.agent_source()
    assert source != marked and "harness:batch" in source
    assert len(list((tmp_path / "cache" / "agent").glob("*.js"))) == 1


def test_regular_install_reads_the_shipped_bundle_and_catalogue(
        hooks_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = installed(tmp_path, monkeypatch)
    agent_build.build_into(hooks_copy, shipped)
    assert agent_mod.checkout_root() is None
    assert agent_mod.agent_source() == (shipped / agent_build.BUNDLE).read_text()
    assert agent_mod.catalogue_path() == shipped / agent_build.CATALOGUE
    assert [m.name for m in agent_mod.catalogue()][:2] == ["network", "native_net"]
    with pytest.raises(InstrumentError, match=r"frida_hooks/\) are not installed.*HARNESS_FRIDA_HOOKS"):
        agent_mod.hooks_root()
    assert not (tmp_path / "cache").exists()


def test_regular_install_without_a_bundle_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = installed(tmp_path, monkeypatch)
    with pytest.raises(InstrumentError, match=r"hook_agent\.js: the hook agent bundle is missing.*reinstall"):
        agent_mod.agent_source()
    with pytest.raises(InstrumentError, match=r"hook_catalogue\.json: unreadable hook catalogue"):
        agent_mod.catalogue()
    (shipped / agent_build.STAMP).write_text("{not json")
    with pytest.raises(InstrumentError, match="missing or incomplete"):
        agent_mod.agent_source()


def test_building_without_node_modules_or_npm_names_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "frida_hooks"
    shutil.copytree(CHECKOUT, copy, ignore=shutil.ignore_patterns("node_modules"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ToolMissingError, match=r"needs npm .*npm ci.*apt-get install npm"):
        agent_build.build_into(copy, tmp_path / "package")
    assert not (tmp_path / "package").exists()
