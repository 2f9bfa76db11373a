"""A run's canaries: what a scenario seeds on the phone, and what the run stores for ``harness detect``.

The scenario's ``canaries:`` (``CanarySpec``) are ``declared`` values in the detector's canary
format (``harness.detect.canaries``), ``auto`` ones generated per run, or both.  The runner

1. makes the document to seed once per run: ``canaries_to_seed(spec, country, rng)`` (``country``:
   ``device_country(device.facts().props)``);
2. seeds it before every variant and removes it after: ``seed_canaries(device, doc, journal=...)``
   returns a ``SeededCanaries`` whose ``remove(device)`` undoes it, also from another process after
   a crash (it is JSON: ``to_json``/``from_json``);
3. at the end stores ``run_canaries(device, run, seeded)`` with ``RunStore.add_canaries(text,
   RUN_CANARIES_NAME)``: the seeded canaries, the device's own identifiers as adb reads them, the
   identifier values apps were handed during the run (``id.read`` events) and the installed
   packages (``installed_apps``, read with ``pm list packages`` then).  ``harness detect RUN`` then
   needs no canary file.

Everything here is in ``canary_generate``, ``canary_seed``, ``canary_identifiers`` and
``canary_apps``; this module merges documents and writes the YAML.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from harness.detect.canaries import IDENTIFIER_TYPES, CanarySet, load_canaries_text
from harness.errors import HarnessError
from harness.scenario.canary_apps import read_installed_apps
from harness.scenario.canary_generate import device_country, generate_canaries
from harness.scenario.canary_identifiers import DeviceIdentifiers, identifiers_from_run, read_device_identifiers
from harness.scenario.canary_seed import ClipboardAccess, SeededCanaries, seed_canaries
from harness.scenario.model import CanarySpec

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)

__all__ = ["RUN_CANARIES_NAME", "ClipboardAccess", "DeviceIdentifiers", "SeededCanaries", "canaries_to_seed",
           "canary_yaml", "device_country", "device_identifiers", "generate_canaries", "merge_canaries",
           "run_canaries", "seed_canaries"]

#: The name the runner stores ``run_canaries``' document under (``RunStore.add_canaries``).
RUN_CANARIES_NAME = "run"
_LIST_SECTIONS = ("contacts", "sms", "call_log", "clipboard", "accounts")


def merge_canaries(*docs: Mapping[str, Any]) -> dict[str, Any]:
    """One canary document with every value of ``docs`` once (first seen first).  Identifiers of a
    type become a list when there are several; only the first location is kept (one is seeded)."""
    identifiers: dict[str, list[str]] = {}
    sections: dict[str, list[Any]] = {}
    location: Any = None
    apps: dict[str, None] = {}   # thousands of names: kept apart from the sections' slower merge
    for doc in docs:
        apps.update(dict.fromkeys(doc.get("installed_apps") or []))
        for kind, value in (doc.get("identifiers") or {}).items():
            found = identifiers.setdefault(kind, [])
            found += [v for v in ([value] if isinstance(value, str) else list(value)) if v not in found]
        for name in _LIST_SECTIONS:
            items = doc.get(name) or []
            for item in [items] if isinstance(items, str) else items:
                seen = sections.setdefault(name, [])
                if json.dumps(item, sort_keys=True) not in {json.dumps(s, sort_keys=True) for s in seen}:
                    seen.append(item)
        if location is None and doc.get("location"):
            location = dict(doc["location"])
    out: dict[str, Any] = {}
    if identifiers:
        out["identifiers"] = {k: v[0] if len(v) == 1 else v for k, v in sorted(
            identifiers.items(), key=lambda kv: IDENTIFIER_TYPES.index(kv[0]) if kv[0] in IDENTIFIER_TYPES else 99)}
    out.update({name: sections[name] for name in _LIST_SECTIONS if sections.get(name)})
    if location is not None:
        out["location"] = location
    if apps:
        out["installed_apps"] = list(apps)
    return out


def canary_yaml(doc: Mapping[str, Any]) -> str:
    """The document as YAML the detector reads back exactly (strings quoted where YAML would
    otherwise take them for numbers; any character escaped where YAML needs it)."""
    return yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False, width=4096)


def canaries_to_seed(spec: CanarySpec, country: str, rng: random.Random | None = None) -> dict[str, Any]:
    """The scenario's declared canaries plus, with ``auto``, new ones for ``country`` (a
    ``random.SystemRandom`` unless ``rng`` is given); checked against the detector's format."""
    docs: list[Mapping[str, Any]] = [spec.declared] if spec.declared else []
    if spec.auto:
        docs.append(generate_canaries(country, rng or random.SystemRandom()))
    doc = merge_canaries(*docs)
    CanarySet.from_mapping(doc, "scenario canaries")
    return doc


def device_identifiers(device: Device) -> DeviceIdentifiers:
    """``read_device_identifiers`` with the device's API level and root method from its facts."""
    facts = device.facts()
    return read_device_identifiers(device, sdk=facts.sdk, root_method=facts.root_method)


def run_canaries(device: Device | None, run_path: Path | str, seeded: SeededCanaries | None, *,
                 identifiers: DeviceIdentifiers | None = None, installed_apps: Sequence[str] | None = None) -> str:
    """The run's canaries as YAML in the detector's format: what was seeded (``seeded.canaries``),
    the device's identifiers (``identifiers``, else read from ``device`` now; a device that cannot
    be read is logged and left out), the ``id.read`` values of the run at ``run_path`` (a run
    file or folder; only what is committed: call it once the recorder has stored the events) and
    the installed packages (``installed_apps``, else read from ``device`` now; likewise logged and
    left out if they cannot be read).  Raises ``DetectError`` only if the result would not load (it
    always should)."""
    from harness.run.folder import store_path

    docs: list[Mapping[str, Any]] = [seeded.canaries] if seeded is not None else []
    if identifiers is None and device is not None:
        try:
            identifiers = device_identifiers(device)
        except HarnessError as exc:
            log.warning("%s: the device's identifiers could not be read (%s); left out of the canaries",
                        device.serial, exc)
    if identifiers is not None:
        docs.append(identifiers.to_canaries())
    if installed_apps is None and device is not None:
        try:
            installed_apps = read_installed_apps(device)
        except HarnessError as exc:
            log.warning("%s: the installed packages could not be read (%s); the app list is left out of "
                        "the canaries", device.serial, exc)
    if installed_apps:
        docs.append({"installed_apps": list(installed_apps)})
    try:
        handed = identifiers_from_run(store_path(Path(run_path)))
    except HarnessError as exc:   # a damaged run: the rest of the canaries are still worth keeping
        log.warning("%s: the identifiers apps were handed could not be read: %s", run_path, exc)
        handed = {}
    if handed:
        docs.append({"identifiers": handed})
    text = canary_yaml(merge_canaries(*docs))
    load_canaries_text(text, "the run's canaries")   # the detector must read back what is stored
    return text
