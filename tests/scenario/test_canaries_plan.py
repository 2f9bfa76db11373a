"""The runner's canary adapter on the virtual phone: seed per variant, remove, describe the run's canaries."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

from harness.detect.canaries import load_canaries_text
from harness.device.device import Device
from harness.record.store import RunStore
from harness.scenario.canary_plan import run_canaries_adapter
from harness.scenario.model import CanarySpec, Scenario
from harness.testing import make_event
from harness.virtual.manager import RunningPhone
from harness.virtual.profile.load import load_profile

DECLARED: dict[str, Any] = {"contacts": [{"name": "Aoife Byrne-Quill", "phones": ["+353861234567"]}],
            "identifiers": {"imei": "490154203237518"}}


def sms_bodies(device: Device) -> str:
    return device.shell(["content", "query", "--uri", "content://sms", "--projection", "body"]).stdout


def test_seed_remove_and_describe(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(fresh_phone.serial)
    scenario = Scenario(path=tmp_path / "s.yaml", name="s", app=None, apk=None, targets=(), hooks=None,
                        canaries=CanarySpec(declared=DECLARED, auto=True), variants=(), steps=(), expect=None,
                        env={})
    canaries = run_canaries_adapter(scenario, device, random.Random(8))
    first = canaries.seed(device)
    body = first["canaries"]["sms"][0]["body"]
    assert body in sms_bodies(device)
    canaries.remove(device, json.loads(json.dumps(first)))
    assert body not in sms_bodies(device)
    second = canaries.seed(device)
    assert second["canaries"] == first["canaries"], "the same canaries for every variant of a run"
    canaries.remove(device, second)
    assert "No result found." in sms_bodies(device)

    with RunStore.create(tmp_path / "r.run") as store:
        store.writer().put([make_event("id.read", api="android.os.Build.getSerial", value="VPHONE0042",
                                       data=None, dest=None)])
    text = canaries.describe(device, tmp_path / "r.run")
    doc = yaml.safe_load(text)
    profile = load_profile("default").identifiers
    assert doc["identifiers"]["imei"] == "490154203237518"
    assert doc["identifiers"]["android_id"] == profile.android_id
    assert doc["identifiers"]["serial"] == [profile.serial, "VPHONE0042"]
    assert doc["sms"] == first["canaries"]["sms"] and doc["contacts"][0] == DECLARED["contacts"][0]
    assert set(doc["installed_apps"]) == {p.name for p in load_profile("default").packages}  # read at the end
    assert load_canaries_text(text, "stored").location is not None
