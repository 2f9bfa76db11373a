"""The items of a scenario file, and its one run.

The scenario runs once, all variants in one ``harness run``, when the first of its items is set up
(``ScenarioRun``, shared by the file's items; with pytest-xdist the file's items stay on one
worker).  No phone is a skip of each item; a run that cannot happen (the phone options, the phone,
the scenario) an error of each.  A variant whose run broke is an error with the runner's reason, a
variant with violations a failure listing its flows; an expectation fails with the flows that
break it.  Scenario items carry the device facts and the run folder as ``user_properties`` (JUnit
XML properties with ``--junitxml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.pytest_plugin import failures
from harness.pytest_plugin.phones import PHONES, NoPhone, PhoneChoiceError

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from harness.report.shape import ReportDoc


class ScenarioLoadFailure(Exception):
    """The scenario file does not load."""


class ScenarioFailure(Exception):
    """A variant's violations or a failed expectation; the message is the whole failure text."""


class ScenarioLoadItem(pytest.Item):
    """The one item of a scenario file that does not load: fails with every problem found."""

    def __init__(self, *, problems: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problems = problems
        self.add_marker(pytest.mark.scenario)

    def runtest(self) -> None:
        raise ScenarioLoadFailure("\n".join(failures.printable(p) for p in self.problems))

    def repr_failure(self, excinfo: ExceptionInfo[BaseException],
                     style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioLoadFailure):
            return f"the scenario does not load:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}: validate"


@dataclass
class RunResult:
    doc: ReportDoc
    exit_code: int
    folder: Path
    serial: str


class ScenarioRun:
    """One ``harness run`` of a scenario file, done once, when the first of its items needs it."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._result: RunResult | None = None
        self._error: str | None = None
        self._skip: str | None = None
        self._first: str | None = None

    def result(self, item: pytest.Item) -> RunResult:
        """The run's result; skips (no phone) or fails (the run could not happen) ``item`` otherwise."""
        if self._result is None and self._error is None and self._skip is None:
            self._first = item.nodeid
            self._run(item.config)
        if self._skip is not None:
            pytest.skip(self._skip)
        if self._error is not None:
            pytest.fail(self._error, pytrace=False)
        assert self._result is not None
        return self._result

    def _run(self, config: pytest.Config) -> None:
        from harness.errors import HarnessError
        from harness.run.api import RunRequest, run_scenario

        phones = config.stash[PHONES]
        try:
            serial = phones.serial()
        except NoPhone as exc:
            self._skip = str(exc)
            return
        except PhoneChoiceError as exc:
            self._error = str(exc)
            return
        try:
            folder = phones.new_run_folder(self.name)
            outcome = run_scenario(RunRequest(scenario=self.path, device=serial, out=folder, force=True, quiet=True))
        except HarnessError as exc:
            self._error = f"{self.path}: the scenario could not run on {serial}: {failures.printable(exc)}"
            return
        except Exception as exc:
            self._error = (f"{self.path}: the run raised {type(exc).__name__}: {failures.printable(exc)} "
                           f"(traceback in the report of {self._first})")
            raise
        doc = outcome.report()
        if doc is None:
            self._error = (f"{self.path}: the run on {serial} made no report (exit status {outcome.exit_code}); "
                           f"see {outcome.out}")
            return
        self._result = RunResult(doc, outcome.exit_code, outcome.out, outcome.serial)


#: Device facts written as JUnit properties of every scenario item (``--junitxml``).
DEVICE_PROPERTIES = ("serial", "model", "manufacturer", "fingerprint", "security_patch", "build_id", "android")


class ScenarioItem(pytest.Item):
    """An item whose verdict comes from its scenario's run."""

    def __init__(self, *, run: ScenarioRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.result: RunResult | None = None

    def setup(self) -> None:
        self.result = self.run.result(self)
        device = self.result.doc["device"]
        for key in DEVICE_PROPERTIES:
            value = device.get(key)
            if value is not None:
                self.user_properties.append((f"device.{key}", failures.printable(value)))
        self.user_properties.append(("harness.run", str(self.result.folder)))
        self.user_properties.append(("harness.verdict", self.result.doc["verdict"]["status"]))

    def repr_failure(self, excinfo: ExceptionInfo[BaseException],
                     style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class VariantItem(ScenarioItem):
    """The consent check of one variant: fails with its violations, an error when it broke."""

    def __init__(self, *, variant: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.variant = variant

    def _info(self) -> Any:
        assert self.result is not None
        for variant in self.result.doc["variants"]:
            if variant["name"] == self.variant:
                return variant
        pytest.fail(f"variant {self.variant!r} is not in the run's report ({self.result.folder})", pytrace=False)

    def setup(self) -> None:
        super().setup()
        assert self.result is not None
        broken = failures.variant_broken(self.result.doc, self._info())
        if broken:
            pytest.fail(broken, pytrace=False)  # in setup: reported as an error, not a privacy failure

    def runtest(self) -> None:
        assert self.result is not None
        text = failures.variant_failure(self.result.doc, self._info())
        if text:
            raise ScenarioFailure(text)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, failures.printable(f"{self.run.name}: consent check {self.variant}")


class ExpectationItem(ScenarioItem):
    """One rule of the scenario's ``expect:``: fails with the flows that break it."""

    def __init__(self, *, expectation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expectation = expectation

    def runtest(self) -> None:
        assert self.result is not None
        for expectation in self.result.doc["expectations"]:
            if expectation["id"] == self.expectation:
                text = failures.expectation_failure(self.result.doc, expectation)
                if text:
                    raise ScenarioFailure(text)
                return
        pytest.fail(f"expectation {self.expectation} is not in the run's report ({self.result.folder})",
                    pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, failures.printable(f"{self.run.name}: {self.expectation}")
