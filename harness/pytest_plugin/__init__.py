"""The harness as a pytest plugin (entry point ``pytest11: harness``): scenario YAML files as
tests, and fixtures for hand-written tests.

    pytest scenarios/ --virtual                       # every scenario, on a virtual phone
    pytest scenarios/demo_messenger.yaml --device SERIAL --junitxml=privacy.xml
    pytest scenarios/ -n 4 --device S1,S2,S3,S4       # one phone per pytest-xdist worker

Options: ``--device SERIAL[,SERIAL...]`` (alias of ``--harness-device``), ``--virtual [PROFILE]``
(``--harness-virtual``), ``--harness-out DIR`` (run folders; default: pytest's temporary folder);
ini ``harness_scenarios`` (folders whose scenario files are collected whenever pytest walks them).
``--device`` and ``--virtual`` are added only when no other plugin owns those names
(pytest-playwright has a ``--device``): the ``--harness-*`` spellings always work.

Pieces: ``collect`` (which YAML files are collected), ``items`` (a file's items and its one run),
``failures`` (the failure text: one line per flow, captured text escaped), ``phones`` (which phone
a session or xdist worker drives; the virtual phone it starts and stops), ``fixtures`` (``device``,
``harness_run`` -> ``RunVerdict``, ``tracer``) and ``tracing`` (the tracer's ``Trace``).

Nothing here imports adbutils, frida or the scenario loader until a scenario file is collected
or a fixture is used: the plugin is loaded in every pytest run of an environment it is installed
in, and a project's conftest may set up the adb environment (ANDROID_ADB_SERVER_PORT) first.
"""

from __future__ import annotations

import argparse
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from harness.pytest_plugin.collect import RULE, CollectionRule, ScenarioFile, collect_file, looks_like_scenario
from harness.pytest_plugin.fixtures import HarnessRun, RunVerdict, device, harness_run, tracer
from harness.pytest_plugin.phones import PHONES, Phones, split_serials
from harness.pytest_plugin.tracing import Trace, Tracing

__all__ = ["HarnessRun", "RunVerdict", "Trace", "Tracing", "device", "harness_run", "tracer"]

_MARKERS = (
    "scenario: a harness scenario's consent check or expectation (collected from its YAML file)",
    "device: needs a real Android phone (skipped without one; run with -m device)",
)
_DEVICE_HELP = ("the phone's serial (`adb devices`); with pytest-xdist, one serial per worker: S1,S2,... "
                "(default: $ANDROID_SERIAL, else the connected phone(s))")
_VIRTUAL_HELP = "start a virtual phone of PROFILE (default: default) for the session, one per xdist worker"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "Android privacy harness")
    group.addoption("--harness-out", dest="harness_out", type=Path, metavar="DIR",
                    help="put the run folders in DIR (default: pytest's temporary folder)")
    parser.addini("harness_scenarios", type="paths", default=[],
                  help="folders whose harness scenario YAML files are collected as tests")


def _option_names(parser: pytest.Parser) -> set[str]:
    names: set[str] = set()
    for group in getattr(parser, "_groups", ()):
        for option in getattr(group, "options", ()):
            names.update(option.names())
    return names


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> Generator[None, Any, Any]:
    """Add the phone options once every plugin and initial conftest has added its own (still before
    the command line is parsed for good): ``--device``/``--virtual`` only where no one took them."""
    result = yield
    taken = _option_names(parser)
    group = parser.getgroup("harness")
    for alias, name, dest, extra in (
            ("--device", "--harness-device", "harness_device", {"metavar": "SERIAL[,SERIAL...]", "help": _DEVICE_HELP}),
            ("--virtual", "--harness-virtual", "harness_virtual",
             {"nargs": "?", "const": "default", "metavar": "PROFILE", "help": _VIRTUAL_HELP})):
        if name in taken:  # a second pass over the same parser (pytester's inline runs)
            continue
        names = [name] if alias in taken else [alias, name]
        try:
            group.addoption(*names, dest=dest, **extra)
        except (ValueError, argparse.ArgumentError):  # taken in a way _option_names cannot see
            group.addoption(name, dest=dest, **extra)
    return result


def pytest_configure(config: pytest.Config) -> None:
    for marker in _MARKERS:
        config.addinivalue_line("markers", marker)
    _check_options(config)
    config.stash[RULE] = CollectionRule.from_config(config)
    config.stash[PHONES] = Phones(config)


def _check_options(config: pytest.Config) -> None:
    devices = split_serials(config.getoption("harness_device"))
    virtual: str | None = config.getoption("harness_virtual")
    if devices and virtual is not None:
        raise pytest.UsageError("--device and --virtual: give one (a phone's serial, or a virtual phone)")
    if virtual is not None and (virtual.endswith((".py", "/")) or Path(virtual).is_dir()
                                or (Path(virtual).is_file() and looks_like_scenario(Path(virtual)))):
        raise pytest.UsageError(f"--virtual took {virtual!r} as its PROFILE; put the test paths before --virtual, "
                                "or write --virtual=PROFILE")
    workers = getattr(config.option, "numprocesses", None)
    if devices and isinstance(workers, int) and workers > len(devices):
        raise pytest.UsageError(f"-n {workers}: {workers} pytest-xdist workers but --device lists {len(devices)} "
                                f"phone(s) ({', '.join(devices)}); each worker needs a phone of its own")


def pytest_unconfigure(config: pytest.Config) -> None:
    phones = config.stash.get(PHONES, None)
    if phones is not None:
        phones.close()


def pytest_report_header(config: pytest.Config) -> str | None:
    virtual = config.getoption("harness_virtual")
    device_option = config.getoption("harness_device")
    if virtual is not None:
        return f"harness: a virtual phone ({virtual}) per session/worker, started when first needed"
    if device_option:
        return f"harness: phone(s) {device_option}"
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    return collect_file(file_path, parent)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``-n`` (``--dist load``), the items of one scenario file go to one worker: its one run
    serves them all (every other test is still balanced one by one)."""
    rule = config.stash.get(RULE, None)
    if config.getvalue("dist") != "load" or rule is None or not rule.may_collect:
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class ScenarioScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith((".yaml", ".yml")) else nodeid

    return ScenarioScheduling(config, log)
