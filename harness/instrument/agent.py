"""The compiled hook agent (frida_hooks/) and its catalogue of hooks.

``agent_source()`` compiles ``frida_hooks/src/index.ts`` with ``frida.Compiler`` (TypeScript plus
the npm ``frida-java-bridge``) into one bundle, cached in ``<cache>/agent/<hash>.js`` keyed by
the sources, the lock file and the frida version, so an unchanged tree is compiled once per
machine.  ``catalogue()`` reads ``frida_hooks/src/catalogue.json``, the single list of hook
targets that the agent's modules also import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InstrumentError

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


def hooks_root() -> Path:
    """The frida_hooks/ npm project: ``$HARNESS_FRIDA_HOOKS`` or the folder next to ``harness/``."""
    env = os.environ.get("HARNESS_FRIDA_HOOKS")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "frida_hooks"
    if not (root / "src" / "index.ts").is_file():
        raise InstrumentError(f"the hook agent sources are missing: {root / 'src' / 'index.ts'} "
                              "(run from a checkout of the harness, or set HARNESS_FRIDA_HOOKS)")
    return root


def cache_dir() -> Path:
    """``$HARNESS_CACHE_DIR`` or ``~/.cache/harness``."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "harness"


def _sources_hash(root: Path) -> str:
    import frida

    h = hashlib.sha256(f"frida {frida.__version__}\n".encode())
    files = sorted(p for p in (root / "src").rglob("*") if p.is_file())
    for extra in ("package-lock.json", "tsconfig.json", "package.json"):
        if (root / extra).is_file():
            files.append(root / extra)
    for p in files:
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:24]


def _compile(root: Path) -> str:
    import frida

    if not (root / "node_modules" / "frida-java-bridge").is_dir():
        raise InstrumentError(f"{root}/node_modules is missing frida-java-bridge: run scripts/setup.sh "
                              "(it runs `npm ci` in frida_hooks/)")
    diagnostics: list[str] = []
    compiler = frida.Compiler()  # type: ignore[no-untyped-call]

    def on_diagnostics(items: list[frida.CompilerDiagnostic]) -> None:
        for d in items:
            where = d.get("file")
            loc = f"{where['path']}:{where['line']}" if where else "?"
            diagnostics.append(f"{loc}: {d.get('text')}")

    compiler.on("diagnostics", on_diagnostics)
    try:
        bundle: str = compiler.build("src/index.ts", project_root=str(root))
    except frida.InvalidArgumentError as exc:
        detail = "; ".join(diagnostics) or str(exc)
        raise InstrumentError(f"the hook agent does not compile: {detail}") from exc
    return bundle


def agent_source() -> str:
    """The agent bundle (compiled on first use, then read from the cache until sources change)."""
    root = hooks_root()
    key = _sources_hash(root)
    with _lock:
        if key in _memo:
            return _memo[key]
        out = cache_dir() / "agent" / f"{key}.js"
        if out.is_file():
            source = out.read_text(encoding="utf-8")
        else:
            log.info("compiling the hook agent (%s)", root)
            source = _compile(root)
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".agent-", suffix=".js")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(source)
            os.replace(tmp, out)
        _memo[key] = source
        return source


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


def catalogue() -> list[ModuleInfo]:
    """Every hook module with its targets, from frida_hooks/src/catalogue.json."""
    path = hooks_root() / "src" / "catalogue.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ModuleInfo(name=str(m["name"]), description=str(m["description"]),
                           targets=tuple(_target(t) for t in m["targets"])) for m in data]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InstrumentError(f"{path}: unreadable hook catalogue: {exc}") from exc


def module_names() -> list[str]:
    return [m.name for m in catalogue()]
