"""Builds the C extension of the leak detector and the Frida hook agent bundle; the project's
metadata is in pyproject.toml.

The agent (frida_hooks/, TypeScript) is compiled by ``frida.Compiler`` (a build requirement) into
harness/instrument/hook_agent.js beside its stamp and the hook catalogue, so the wheel ships it and
an installed harness needs no npm (``harness.instrument.agent_build``).  npm is needed only when
frida_hooks/node_modules is missing (the build runs ``npm ci``).  An editable install writes the
bundle in place (git-ignored); there a failure is only a warning: a checkout compiles the agent
when it is first used.
"""

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

_HERE = Path(__file__).resolve().parent
_SOURCES = "harness/detect/_native_src"

sys.path.insert(0, str(_HERE))  # harness.errors and agent_build need nothing but the standard library
from harness.errors import HarnessError  # noqa: E402
from harness.instrument import agent_build  # noqa: E402


class BuildPyWithAgent(build_py):
    """build_py, then the hook agent bundle into the package (in place for an editable install)."""

    def _agent_dest(self) -> Path:
        if self.editable_mode:
            return _HERE / "harness" / "instrument"
        return Path(self.build_lib) / "harness" / "instrument"

    def run(self) -> None:
        super().run()
        root = _HERE / "frida_hooks"
        dest = self._agent_dest()
        try:
            key = agent_build.build_into(root, dest)
        except (HarnessError, OSError) as exc:
            if self.editable_mode:
                self.warn(f"the hook agent was not built ({exc}); this checkout compiles it when it is first used")
                return
            raise SystemExit(f"error: cannot build the hook agent: {exc}") from exc
        self.announce(f"built the hook agent {key} into {dest}", level=2)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs: list[str] = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            outputs += [str(self._agent_dest() / name) for name in agent_build.SHIPPED]
        return outputs


setup(
    cmdclass={"build_py": BuildPyWithAgent},
    ext_modules=[
        Extension(
            "harness.detect._native",
            [f"{_SOURCES}/{name}.c" for name in ("module", "common", "protobuf", "runs", "structural", "coordinates")],
            # the private header: an edit of it rebuilds every file, and the sdist ships it
            depends=[f"{_SOURCES}/native.h"],
            # the files share functions through native.h; only PyInit__native is exported, as from one file
            extra_compile_args=["-O2", "-fvisibility=hidden"],
        )
    ],
)
