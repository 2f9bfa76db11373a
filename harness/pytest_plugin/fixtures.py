"""The plugin's fixtures: ``device``, ``harness_run`` and ``tracer``.

    def test_messenger_respects_rejection(harness_run):
        verdict = harness_run("scenarios/demo_messenger.yaml", variants=["rejected"])
        assert verdict.exit_code != 3, verdict.describe()          # the scenario ran to its end
        assert not verdict.violations_in("rejected"), verdict.describe()

    def test_props(device):
        assert device.shell(["getprop", "ro.build.version.sdk"]).output.strip() == "34"

All three use the session's phone (``--device``, ``$ANDROID_SERIAL``, the only connected phone, or
``--virtual``; see ``phones.py``), asked for only when used: with none available and none asked
for, the test is skipped, saying how to give one.  ``tracer(..., local=True)`` needs no phone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.pytest_plugin import failures
from harness.pytest_plugin.phones import PHONES, NoPhone, PhoneChoiceError, Phones
from harness.pytest_plugin.tracing import Tracing

if TYPE_CHECKING:
    from harness.device.device import Device
    from harness.report.shape import Expectation, Flow, ReportDoc, VariantInfo, Violation


def phone_serial(config: pytest.Config) -> str:
    """The session's phone; skips the test when there is none (and none was asked for), fails it
    when the options cannot give one."""
    try:
        return config.stash[PHONES].serial()
    except NoPhone as exc:
        pytest.skip(str(exc))
    except PhoneChoiceError as exc:
        pytest.fail(str(exc), pytrace=False)


@dataclass(frozen=True)
class RunVerdict:
    """What ``harness_run`` returns: one run's report (``harness.report.shape.ReportDoc``) and where it is."""

    report: ReportDoc
    exit_code: int          # 0 pass, 1 violations or failed expectations, 3 a variant broke
    run_folder: Path
    serial: str

    @property
    def status(self) -> str:
        """``pass``, ``fail`` or ``broken``."""
        return self.report["verdict"]["status"]

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def flows(self) -> list[Flow]:
        return self.report["flows"]

    @property
    def violations(self) -> list[Violation]:
        return self.report["violations"]

    @property
    def expectations(self) -> list[Expectation]:
        return self.report["expectations"]

    @property
    def variants(self) -> list[VariantInfo]:
        return self.report["variants"]

    def violations_in(self, variant: str) -> list[Violation]:
        return [v for v in self.violations if v["variant"] == variant]

    def describe(self) -> str:
        """The verdict, each broken variant, violation and failed expectation (one line per flow),
        and the run folder: for assertion messages (captured text escaped)."""
        return failures.report_summary(self.report)


class HarnessRun:
    """``harness_run(scenario, variants=None, env=None)``: run a scenario on the session's phone."""

    def __init__(self, config: pytest.Config, phones: Phones) -> None:
        self._config = config
        self._phones = phones

    def __call__(self, scenario: str | Path, variants: Sequence[str] | None = None,
                 env: Mapping[str, str] | None = None) -> RunVerdict:
        """Run ``scenario`` (relative to the current folder, else to pytest's rootdir); bad input is a
        ``HarnessError``, a run that breaks is a verdict with exit code 3."""
        from harness.errors import HarnessError
        from harness.run.api import RunRequest, run_scenario

        path = Path(scenario)
        if not path.is_absolute() and not path.exists() and (self._config.rootpath / path).exists():
            path = self._config.rootpath / path
        serial = phone_serial(self._config)
        folder = self._phones.new_run_folder(path.stem)
        outcome = run_scenario(RunRequest(scenario=path, device=serial, out=folder, force=True,
                                          variants=list(variants) if variants is not None else None,
                                          env=[f"{k}={v}" for k, v in (env or {}).items()], quiet=True))
        doc = outcome.report()
        if doc is None:
            raise HarnessError(f"{path}: the run on {serial} made no report (exit status {outcome.exit_code}); "
                               f"see {outcome.out}")
        return RunVerdict(doc, outcome.exit_code, outcome.out, outcome.serial)


@pytest.fixture(scope="session")
def device(pytestconfig: pytest.Config) -> Device:
    """The session's phone as a ``harness.device.device.Device`` (skipped without one)."""
    from harness.device.device import Device
    from harness.errors import HarnessError

    serial = phone_serial(pytestconfig)
    try:
        return Device.connect(serial)
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def harness_run(pytestconfig: pytest.Config) -> HarnessRun:
    """Runs a scenario on the session's phone: ``harness_run(path, variants=None, env=None)`` -> ``RunVerdict``."""
    return HarnessRun(pytestconfig, pytestconfig.stash[PHONES])


@pytest.fixture
def tracer(pytestconfig: pytest.Config) -> Tracing:
    """Hooks on one process: ``with tracer("com.example.app") as trace: ...; trace.events()``
    (``pid=``, ``spawn=[argv]``, ``hooks=[...]``, ``local=True`` for a process of this host)."""
    phones = pytestconfig.stash[PHONES]
    return Tracing(lambda: phone_serial(pytestconfig), phones.new_run_folder)
