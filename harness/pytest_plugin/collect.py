"""Scenario YAML files as pytest tests: which files are collected, and the items of each.

Collection rule (``CollectionRule``): a ``.yaml``/``.yml`` file is collected when it looks like a
harness scenario (a top-level ``steps:`` and ``app:`` or ``targets:``, found by reading its bytes
with a regular expression: nothing is parsed) and

  1. it lies under a folder of the ``harness_scenarios`` ini option, or
  2. it was named on the command line (``pytest scenarios/demo_messenger.yaml``), or
  3. it lies under a folder named on the command line (``pytest scenarios/``) that is not inside
     the ini ``testpaths`` (those hold the project's Python tests and their YAML data).

A bare ``pytest`` (arguments from ``testpaths`` or the current folder) therefore collects no YAML
unless ``harness_scenarios`` says where scenarios live.  Any other YAML is ignored, never an error.

Items of ``FILE`` (``items.py``): ``FILE::VARIANT`` per consent variant (``pre_consent`` first)
and ``FILE::expect E1.no_leak`` per expectation, all marked ``scenario``; a file that does not load
is the one item ``FILE::validate``, failing with the loader's ``FILE:LINE:COL`` messages.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.pytest_plugin.items import (
    ExpectationItem,
    ScenarioItem,
    ScenarioLoadItem,
    ScenarioRun,
    VariantItem,
)

SUFFIXES = (".yaml", ".yml")
#: Bytes read to decide whether a YAML file is a scenario (the loader's own bound: 1 MiB).
_SNIFF_BYTES = 1 << 20
_TOP_KEY = re.compile(rb"^(steps|app|targets)[ \t]*:", re.MULTILINE)

RULE = pytest.StashKey["CollectionRule"]()


def looks_like_scenario(path: Path) -> bool:
    """A top-level ``steps:`` and ``app:`` or ``targets:`` (keys at column 0, block style)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    keys = {m.group(1) for m in _TOP_KEY.finditer(head)}
    return b"steps" in keys and bool(keys & {b"app", b"targets"})


def _inside(path: Path, folders: Sequence[Path]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


@dataclass(frozen=True)
class CollectionRule:
    """Where scenario YAML is collected from (see the module docstring)."""

    scenario_folders: tuple[Path, ...]     # harness_scenarios
    named_files: tuple[Path, ...]          # files given on the command line
    named_folders: tuple[Path, ...]        # folders given on the command line
    test_folders: tuple[Path, ...]         # testpaths

    @classmethod
    def from_config(cls, config: pytest.Config) -> CollectionRule:
        scenario_folders = tuple(Path(p).resolve() for p in config.getini("harness_scenarios"))
        files: list[Path] = []
        folders: list[Path] = []
        if config.args_source == pytest.Config.ArgsSource.ARGS:
            for arg in config.args:
                path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
                if path.is_dir():
                    folders.append(path)
                elif path.suffix in SUFFIXES:
                    files.append(path)
        test_folders: list[Path] = []
        for pattern in config.getini("testpaths"):  # globs allowed, as pytest allows them
            where = str(config.rootpath / pattern)
            test_folders += [Path(p).resolve() for p in (glob.glob(where) if glob.has_magic(where) else [where])]
        return cls(scenario_folders, tuple(files), tuple(folders), tuple(test_folders))

    def wants(self, path: Path) -> bool:
        """Whether ``path`` (a YAML file) may be collected; ``looks_like_scenario`` decides the rest."""
        path = path.resolve()
        if path in self.named_files or _inside(path, self.scenario_folders):
            return True
        return _inside(path, self.named_folders) and not _inside(path, self.test_folders)

    @property
    def may_collect(self) -> bool:
        """Scenario items may be collected in this session (scheduling for xdist depends on it)."""
        return bool(self.scenario_folders or self.named_files
                    or any(not _inside(f, self.test_folders) for f in self.named_folders))


def collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix not in SUFFIXES:
        return None
    rule = parent.config.stash.get(RULE, None)
    if rule is None or not rule.wants(file_path) or not looks_like_scenario(file_path):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is under it (as the loader's messages show it)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class ScenarioFile(pytest.File):
    """A scenario YAML file: its variants and expectations as items."""

    def collect(self) -> Iterator[pytest.Item]:
        from harness.compare.expect import parse_rules
        from harness.errors import HarnessError, ScenarioError
        from harness.scenario.load import load_scenario

        shown = _shown(self.path)
        try:
            scenario = load_scenario(shown)
            rules = parse_rules(scenario.expect, [v.name for v in scenario.variants], str(shown))
        except ScenarioError as exc:
            yield ScenarioLoadItem.from_parent(self, name="validate", problems=list(exc.problems))
            return
        except HarnessError as exc:
            yield ScenarioLoadItem.from_parent(self, name="validate", problems=[str(exc)])
            return
        run = ScenarioRun(self.path, scenario.name)
        group = pytest.mark.xdist_group(name=self.nodeid) if self.config.pluginmanager.hasplugin("xdist") else None
        items: list[ScenarioItem] = [VariantItem.from_parent(self, name=v.name, run=run, variant=v.name)
                                     for v in scenario.variants]
        items += [ExpectationItem.from_parent(self, name=f"expect {rule.id}", run=run, expectation=rule.id)
                  for rule in rules]
        for item in items:
            item.add_marker(pytest.mark.scenario)
            if group is not None:
                item.add_marker(group)
            yield item
