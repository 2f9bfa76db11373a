"""The compiled hook agent (frida_hooks/) and its catalogue of hooks.

The package ships the agent compiled when it was built (``agent_build``: ``hook_agent.js``, its
stamp and ``hook_catalogue.json`` beside this module), so an installed harness needs neither npm
nor the sources.  In a checkout (``frida_hooks/`` next to ``harness/``, as with ``pip install -e``,
or ``$HARNESS_FRIDA_HOOKS``) ``agent_source()`` uses the built bundle while frida_hooks/ is what it
was built from (same sources, lock file and frida version), and otherwise compiles it with
``frida.Compiler`` into ``<cache>/agent/<hash>.js``, so a changed tree is compiled once per
machine.  ``catalogue()`` reads the single list of hook targets that the agent's modules also
import: ``frida_hooks/src/catalogue.json`` in a checkout, its shipped copy otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import config
from harness.errors import InstrumentError
from harness.instrument import agent_build
from harness.instrument.agent_build import sources_hash

log = logging.getLogger(__name__)

_lock = threading.Lock()
_memo: dict[str, str] = {}


@dataclass(frozen=True)
class Target:
    """One hooked API: a Java method (``cls``/``method``/``overloads``) or a native export."""

    kind: str
    cls: str | None = None
    method: str | None = None
    overloads: tuple[tuple[str, ...], ...] = ()
    module: str | None = None
    symbol: str | None = None
    runtime: str | None = None   # "android" / "hotspot": only present on that VM
    library: str | None = None   # the bundled library the class comes from
    optional: bool = False       # another library version, not modelled by the virtual phone's stubs

    @property
    def name(self) -> str:
        if self.kind == "java":
            return f"{self.cls}.{self.method}"
        return f"{self.module}!{self.symbol}"


@dataclass(frozen=True)
class ModuleInfo:
    """One hook module of the agent (selectable with ``init({modules: [...]})``)."""

    name: str
    description: str
    targets: tuple[Target, ...] = field(default_factory=tuple)


#: where the build puts the shipped bundle, its stamp and the catalogue (harness/instrument/)
SHIPPED_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The frida_hooks/ npm project to compile from: ``$HARNESS_FRIDA_HOOKS``, else the folder next
    to ``harness/`` in a checkout (an editable install); None in a regular install."""
    override = config.frida_hooks_dir()
    if override is not None:
        return override
    root = SHIPPED_DIR.parents[1] / "frida_hooks"
    return root if (root / "src" / "index.ts").is_file() else None


def hooks_root() -> Path:
    """The frida_hooks/ npm project (see ``checkout_root``); an installed harness has none."""
    root = checkout_root()
    if root is None:
        raise InstrumentError("the hook agent sources (frida_hooks/) are not installed: this harness ships its "
                              f"compiled agent ({SHIPPED_DIR / agent_build.BUNDLE}); run from a checkout of the "
                              "harness, or set HARNESS_FRIDA_HOOKS, to compile your own")
    if not (root / "src" / "index.ts").is_file():
        raise InstrumentError(f"the hook agent sources are missing: {root / 'src' / 'index.ts'} "
                              "(run from a checkout of the harness, or set HARNESS_FRIDA_HOOKS)")
    return root


def cache_dir() -> Path:
    """``$HARNESS_CACHE_DIR`` or ``~/.cache/harness``."""
    return config.cache_dir()


def _shipped(key: str | None) -> str | None:
    """The shipped bundle if it was built from ``key`` (any key when None), else None."""
    stamp = agent_build.read_stamp(SHIPPED_DIR)
    if stamp is None or (key is not None and stamp["key"] != key):
        return None
    try:
        source = (SHIPPED_DIR / agent_build.BUNDLE).read_text(encoding="utf-8")
    except OSError:
        return None
    if key is None and stamp["frida"] != agent_build.frida_version():
        log.warning("the hook agent was built with frida %s, this is frida %s", stamp["frida"],
                    agent_build.frida_version())
    return source


def _installed_source() -> str:
    with _lock:
        if "" not in _memo:
            source = _shipped(None)
            if source is None:
                raise InstrumentError(f"{SHIPPED_DIR / agent_build.BUNDLE}: the hook agent bundle is missing or "
                                      "incomplete (the harness is built with it: reinstall the package)")
            _memo[""] = source
        return _memo[""]


def _cached_or_compiled(root: Path, key: str) -> str:
    out = cache_dir() / "agent" / f"{key}.js"
    if out.is_file():
        return out.read_text(encoding="utf-8")
    log.info("compiling the hook agent (%s)", root)
    source = agent_build.compile_bundle(root)
    agent_build.write_atomic(out, source.encode("utf-8"))
    return source


def agent_source() -> str:
    """The agent bundle: the shipped one, or in a checkout whose frida_hooks/ changed since the
    build, compiled on first use and then read from the cache until the sources change again."""
    if checkout_root() is None:
        return _installed_source()
    root = hooks_root()
    key = sources_hash(root)
    with _lock:
        if key not in _memo:
            shipped = _shipped(key)
            _memo[key] = shipped if shipped is not None else _cached_or_compiled(root, key)
        return _memo[key]


def _target(obj: dict[str, Any]) -> Target:
    return Target(
        kind=str(obj["kind"]),
        cls=obj.get("cls"),
        method=obj.get("method"),
        overloads=tuple(tuple(str(t) for t in ov) for ov in obj.get("overloads") or ()),
        module=obj.get("module"),
        symbol=obj.get("symbol"),
        runtime=obj.get("runtime"),
        library=obj.get("library"),
        optional=bool(obj.get("optional", False)),
    )


def catalogue_path() -> Path:
    """frida_hooks/src/catalogue.json in a checkout, else its copy shipped with the package."""
    if checkout_root() is None:
        return SHIPPED_DIR / agent_build.CATALOGUE
    return hooks_root() / "src" / "catalogue.json"


def catalogue() -> list[ModuleInfo]:
    """Every hook module with its targets (see ``catalogue_path``)."""
    path = catalogue_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ModuleInfo(name=str(m["name"]), description=str(m["description"]),
                           targets=tuple(_target(t) for t in m["targets"])) for m in data]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InstrumentError(f"{path}: unreadable hook catalogue: {exc}") from exc


def module_names() -> list[str]:
    return [m.name for m in catalogue()]
