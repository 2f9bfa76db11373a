"""The programs that run inside the phone's shell sandbox import the standard library only.

Each module of ``harness.virtual.shell.onphone`` is imported, by path, by the phone's python under
``-I -S`` (no site-packages, no harness) in a subprocess, which then lists every module loaded that
is not part of the standard library.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.virtual.shell import onphone
from harness.virtual.shell.install import ON_PHONE_PROGRAMS, PHONE_PYTHON, ROOT_PROGRAMS, install_tool_clients

ONPHONE_DIR = Path(onphone.__file__).resolve().parent
MODULES = sorted(p for p in ONPHONE_DIR.glob("*.py") if p.name != "__init__.py")

# Loads the file as a module (not as __main__, so it does not run), then prints what it pulled in
# from outside the standard library; exits 1 if anything.
_PROBE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("onphone_probe", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["onphone_probe"] = module
spec.loader.exec_module(module)
allowed = set(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"__main__", "onphone_probe"}
foreign = sorted(name for name in sys.modules if name.partition(".")[0] not in allowed)
sys.stdout.write("".join(name + "\\n" for name in foreign))
sys.exit(1 if foreign else 0)
"""


def foreign_imports(module: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PHONE_PYTHON), "-I", "-S", "-c", _PROBE, str(module)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_onphone_folder_holds_every_program_installed_on_the_phone() -> None:
    assert MODULES, f"no modules in {ONPHONE_DIR}"
    programs = [*ON_PHONE_PROGRAMS.values(), *ROOT_PROGRAMS.values()]
    assert sorted(Path(source).resolve() for source in programs) == MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_imports_only_the_standard_library(module: Path) -> None:
    result = foreign_imports(module)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), \
        f"{module.name} must import the standard library only: {result.stdout}{result.stderr}"


@pytest.mark.parametrize("source", ["import harness.errors\n", "import yaml\n", "import json\nimport PIL.Image\n"])
def test_the_check_catches_a_module_that_imports_more(tmp_path: Path, source: str) -> None:
    module = tmp_path / "bad.py"
    module.write_text(source, encoding="utf-8")
    assert foreign_imports(module).returncode != 0


def test_installed_scripts_are_the_onphone_modules(tmp_path: Path) -> None:
    install_tool_clients(tmp_path, ["pm", "settings"], rooted=False)
    bin_dir = tmp_path / "system" / "bin"
    for name, source in ON_PHONE_PROGRAMS.items():
        script = (bin_dir / name).read_text(encoding="utf-8")
        assert script == f"#!{PHONE_PYTHON} -IS\n" + Path(source).read_text(encoding="utf-8")
    assert (bin_dir / "pm").readlink() == Path("vphone-tool")
    assert (bin_dir / "netcat").readlink() == Path("nc")
    assert not (tmp_path / "system" / "xbin" / "su").exists()  # su only on rooted phones
    install_tool_clients(tmp_path, ["pm", "settings"], rooted=True)
    su = (tmp_path / "system" / "xbin" / "su").read_text(encoding="utf-8")
    assert su == f"#!{PHONE_PYTHON} -IS\n" + Path(ROOT_PROGRAMS["su"]).read_text(encoding="utf-8")
