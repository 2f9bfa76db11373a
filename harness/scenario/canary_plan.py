"""The runner's view of a scenario's canaries: ``run_canaries_adapter(scenario, device)`` -> ``Canaries``.

Made once per run, before the first variant: it decides the canaries to seed (declared, plus
generated ones for the device's country with ``auto``) and reads the device's identifiers while
the phone is surely there.  Then, per variant,

- ``seed(device, journal=None)`` seeds them and returns the JSON record of what it added (give
  ``journal`` to have that record journaled before and after each change, not only once seeding
  is done);
- ``remove(device, record)`` undoes such a record, also one from a crashed run's journal; what
  cannot be removed is a ``HarnessError`` naming it;
- ``describe(device, run)`` is the run's canary document (YAML, the detector's format) to store
  with ``RunStore.add_canaries``: what was seeded, the identifiers read, those handed to apps
  during the run, and the installed packages, read then (``pm list packages``; a phone that does
  not answer is a warning, and the rest is still described).
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

from harness.device.device import Device
from harness.errors import HarnessError
from harness.scenario.canaries import canaries_to_seed, device_identifiers, run_canaries
from harness.scenario.canary_generate import device_country
from harness.scenario.canary_identifiers import DeviceIdentifiers
from harness.scenario.canary_seed import Journal, SeededCanaries, seed_canaries
from harness.scenario.model import Scenario
from harness.scenario.runner import Canaries

log = logging.getLogger(__name__)


class CanaryPlan:
    """One run's canaries: what to seed, the device's identifiers, and the record of the last seeding."""

    def __init__(self, scenario: Scenario, device: Device, rng: random.Random | None = None) -> None:
        facts = device.facts()
        self.doc = canaries_to_seed(scenario.canaries, device_country(facts.props), rng)
        self.identifiers: DeviceIdentifiers | None = None
        try:
            self.identifiers = device_identifiers(device)
        except HarnessError as exc:
            log.warning("%s: the device's identifiers could not be read (%s)", device.serial, exc)

    def seed(self, device: Device, journal: Journal | None = None) -> dict[str, Any]:
        return seed_canaries(device, self.doc, sdk=device.facts().sdk, journal=journal).to_json()

    @staticmethod
    def remove(device: Device, record: Any) -> None:
        problems = SeededCanaries.from_json(record).remove(device)
        if problems:
            raise HarnessError(f"{device.serial}: seeded canaries left on the phone: {'; '.join(problems)}")

    def describe(self, device: Device, run: Path) -> str:
        seeded = SeededCanaries(device.serial, canaries=self.doc)
        return run_canaries(device, run, seeded, identifiers=self.identifiers or DeviceIdentifiers())


def run_canaries_adapter(scenario: Scenario, device: Device, rng: random.Random | None = None) -> Canaries:
    """The ``Canaries`` the runner calls (see the module docstring)."""
    plan = CanaryPlan(scenario, device, rng)
    return Canaries(seed=plan.seed, remove=plan.remove, describe=plan.describe)
