"""Building the hook agent bundle from frida_hooks/: when the package is built, and in a checkout.

setup.py's ``build_py`` calls ``build_into()`` so that every wheel (and ``pip install .``) ships
the compiled agent in ``harness/instrument/``, as frida-tools ships its agents::

    hook_agent.js         the bundle: frida.Compiler's output for frida_hooks/src/index.ts
    hook_agent.json       {"key": sources_hash(), "frida": version}: what the bundle was built from
    hook_catalogue.json   a byte copy of frida_hooks/src/catalogue.json (the one source of truth)

``harness.instrument.agent`` loads them, and in a checkout compares ``sources_hash()`` with the
stamp to tell whether frida_hooks/ changed since.  This module imports only the standard library,
``harness.errors`` and ``harness.files`` (setup.py loads it before the harness's dependencies exist); frida is
imported when something is hashed or compiled, npm is needed only when node_modules is missing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
from pathlib import Path

from harness import files
from harness.errors import InstrumentError, ToolMissingError

log = logging.getLogger(__name__)

BUNDLE = "hook_agent.js"
STAMP = "hook_agent.json"
CATALOGUE = "hook_catalogue.json"
SHIPPED = (BUNDLE, STAMP, CATALOGUE)

_NPM_TIMEOUT = 600.0


def frida_version() -> str:
    import frida

    return str(frida.__version__)


def sources_hash(root: Path) -> str:
    """The bundle's key: the frida version, frida_hooks/src/**, the lock file, package.json, tsconfig.json."""
    h = hashlib.sha256(f"frida {frida_version()}\n".encode())
    files = sorted(p for p in (root / "src").rglob("*") if p.is_file())
    for extra in ("package-lock.json", "tsconfig.json", "package.json"):
        if (root / extra).is_file():
            files.append(root / extra)
    for p in files:
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:24]


def has_node_modules(root: Path) -> bool:
    return (root / "node_modules" / "frida-java-bridge").is_dir()


def install_node_modules(root: Path) -> None:
    """``npm ci`` in ``root`` unless its node_modules already holds frida-java-bridge."""
    if has_node_modules(root):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissingError(f"building the hook agent needs npm to install the dependencies of {root} "
                               "(npm ci): install npm (Debian: apt-get install npm), or run npm ci there first")
    log.info("installing the hook agent's npm dependencies (npm ci in %s)", root)
    try:
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=_NPM_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InstrumentError(f"`npm ci` in {root} did not finish within {_NPM_TIMEOUT:.0f} s") from exc
    if proc.returncode != 0 or not has_node_modules(root):
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        detail = lines[0].strip() if lines else "no frida-java-bridge in node_modules"
        raise InstrumentError(f"`npm ci` in {root} failed (exit {proc.returncode}): {detail}")


def compile_bundle(root: Path) -> str:
    """frida.Compiler's bundle of ``root``/src/index.ts (node_modules must be installed)."""
    import frida

    if not has_node_modules(root):
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


def write_atomic(path: Path, data: bytes) -> None:
    """``harness.files.write_atomic``, creating the folder first (a fresh cache or build folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomic(path, data)


def build_into(root: Path, dest: Path) -> str:
    """Compile the agent of ``root`` (running npm ci if needed) and write the shipped files into
    ``dest``; returns the sources' key.  The stamp is written last: it vouches for the others."""
    install_node_modules(root)
    key = sources_hash(root)
    bundle = compile_bundle(root)
    (dest / STAMP).unlink(missing_ok=True)
    write_atomic(dest / CATALOGUE, (root / "src" / "catalogue.json").read_bytes())
    write_atomic(dest / BUNDLE, bundle.encode("utf-8"))
    stamp = {"key": key, "frida": frida_version()}
    write_atomic(dest / STAMP, (json.dumps(stamp, indent=1) + "\n").encode("utf-8"))
    return key


def read_stamp(dest: Path) -> dict[str, str] | None:
    """The stamp of the bundle shipped in ``dest`` (None if there is none, or it is unreadable)."""
    try:
        data = json.loads((dest / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("key", "frida")):
        return None
    return {"key": data["key"], "frida": data["frida"]}
