"""The installed packages as the run's ``installed_apps`` canary: ``pm list packages`` parsed, capped,
a phone that cannot answer (a warning, the other canaries still stored), and the vendor ROM's
app-list upload found by ``harness detect RUN`` after a real run on the virtual phone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from canary_support import FakeShell
from scenario_support import problems, scenario

from harness.cli import main
from harness.detect.applist import APP_LIST_LABEL
from harness.detect.canaries import MAX_INSTALLED_APPS, load_canaries_text
from harness.errors import CommandFailedError
from harness.record.store import RunStore
from harness.record.view import RunView
from harness.run.folder import STORE_NAME
from harness.scenario.canaries import run_canaries
from harness.scenario.canary_apps import installed_apps_from_list, read_installed_apps
from harness.scenario.canary_identifiers import DeviceIdentifiers
from harness.scenario.canary_seed import SeededCanaries
from harness.virtual.profile.load import load_profile

ROOT = Path(__file__).resolve().parents[2]
#: ``pm list packages`` as Android prints it, plain and with -f / -U / --show-versioncode / -i
PM_OUTPUT = (
    "package:com.android.settings\n"
    "package:android\n"
    "package:/data/app/~~3yZz2YMGTSgaoNHr_k2fpw==/com.google.android.apps.photos--3_7vfJlMnNMgZMyEXVrvw==/"
    "base.apk=com.google.android.apps.photos\n"
    "package:/system/priv-app/Settings/Settings.apk=com.android.settings uid:1000\n"
    "package:com.whatsapp versionCode:231475  installer=com.android.vending\n"
    "\n"
    "WARNING: linker: something the shell printed\n"
    "package:com.example.my_app2 uid:10190\n"
)


def test_pm_list_packages_output_is_parsed_once_each_in_order() -> None:
    assert installed_apps_from_list(PM_OUTPUT) == ["com.android.settings", "com.google.android.apps.photos",
                                                   "com.whatsapp", "com.example.my_app2"]
    assert installed_apps_from_list("") == []


def test_the_list_is_capped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    text = "".join(f"package:com.example.app{i}\n" for i in range(MAX_INSTALLED_APPS + 10))
    with caplog.at_level(logging.WARNING):
        names = installed_apps_from_list(text, "emulator-5554")
    assert len(names) == MAX_INSTALLED_APPS and names[-1] == f"com.example.app{MAX_INSTALLED_APPS - 1}"
    assert f"emulator-5554: more than {MAX_INSTALLED_APPS} installed packages" in caplog.text
    load_canaries_text(yaml.safe_dump({"installed_apps": names}), "capped")  # the detector takes them all


def test_read_over_the_shell_and_a_failure_raises() -> None:
    shell = FakeShell({"pm list packages": PM_OUTPUT})
    assert read_installed_apps(shell)[:2] == ["com.android.settings", "com.google.android.apps.photos"]
    assert shell.commands == [["pm", "list", "packages"]]
    broken = FakeShell({"pm list packages": (20, "cmd: Can't find service: package\n")})
    with pytest.raises(CommandFailedError, match="pm list packages"):
        read_installed_apps(broken)


def test_a_phone_that_cannot_list_its_packages_still_gets_the_other_canaries(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with RunStore.create(tmp_path / "r.run"):
        pass
    seeded = SeededCanaries("fake", canaries={"accounts": ["aoife.byrne@example.com"]})
    ids = DeviceIdentifiers(values={"android_id": ["3f1c9a7be2d04c51"]})
    broken = FakeShell({"pm list packages": (137, "")})
    with caplog.at_level(logging.WARNING):
        text = run_canaries(broken, tmp_path / "r.run", seeded, identifiers=ids)
    assert yaml.safe_load(text) == {"identifiers": {"android_id": "3f1c9a7be2d04c51"},
                                    "accounts": ["aoife.byrne@example.com"]}
    assert "fake: the installed packages could not be read" in caplog.text
    working = FakeShell({"pm list packages": PM_OUTPUT})
    doc = yaml.safe_load(run_canaries(working, tmp_path / "r.run", seeded, identifiers=ids))
    assert doc["installed_apps"] == installed_apps_from_list(PM_OUTPUT)
    assert run_canaries(None, tmp_path / "r.run", seeded, installed_apps=["com.a.b"]).endswith(
        "installed_apps:\n- com.a.b\n")


def test_expectations_may_name_installed_apps_without_declaring_canaries(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, """
        expect:
          - {variant: pre_consent, no_leak: [installed_apps, imei]}
        steps: [back]
    """)
    assert loaded.expect == [{"variant": "pre_consent", "no_leak": ["installed_apps", "imei"]}]
    assert any("undefined data type 'installed_app' (did you mean 'installed_apps'?)" in line for line in problems(
        tmp_path, "app: com.a.b\nexpect: [{no_leak: installed_app}]\nsteps: [back]\n"))


def test_the_vendor_rom_s_app_list_upload_is_found_with_the_program_off(
        rom_builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """rom_audit_vendor on vendor-b (the session's build B run), program off: the firmware's crash
    diagnostics upload the package list (gzip JSON) although the user is not in the program."""
    out = rom_builds[1]
    view = RunView(out / STORE_NAME)
    assert view.meta["variant_results"]["program_off"]["status"] == "ok"
    [(name, stored)] = view.canaries
    assert name == "run"
    packages = {p.name for p in load_profile("vendor-b").packages}
    assert set(load_canaries_text(stored, "run").installed_apps) == packages
    capsys.readouterr()
    assert main(["detect", str(out), "--json"]) in (0, 1)
    findings = json.loads(capsys.readouterr().out)["findings"]
    app_lists = {(f["type"], f["canary"], f["host"], f["encoding"]) for f in findings if f["type"] == "installed_apps"}
    assert ("installed_apps", APP_LIST_LABEL, "telemetry.vendor.example", "gzip>plain") in app_lists, findings
