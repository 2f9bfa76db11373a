from __future__ import annotations

from pathlib import Path

import pytest
from detect_support import CANARIES

from harness.detect import Canary, CanarySet, load_canaries
from harness.detect.canaries import MAX_INSTALLED_APPS, load_canaries_text, merge_canary_sets
from harness.errors import DetectError


def test_file_and_mapping_load_the_same_canaries(canary_file: Path) -> None:
    loaded = load_canaries(canary_file)
    assert loaded == CANARIES
    assert Canary("contact.email", "aoife.byrne@example.org") in loaded.values
    assert loaded.location is not None and loaded.location.lon == -6.2546
    assert {c.type for c in loaded.values} >= {"imei", "sms.body", "account", "contact.name"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("identifiers:\n  imei: \"352099001761481\"\n  colour: red\n", ":3: identifiers: unknown key 'colour'"),
        ("contacts:\n  - name: Al\n", ":2: contacts[0].name: value 'Al' is too short"),
        ("contacts:\n  - phones: [\"+353861112222\", ~]\n", ":2: contacts[0].phones[1]: expected a string"),
        ("location: {lat: 95.0, lon: 1.0}\n", ":1: location.lat: expected a number between -90 and 90"),
        ("location: {lat: 5.0}\n", ":1: location: missing 'lon'"),
        ("sms: {address: x}\n", ":1: sms: expected a list"),
        ("identifiers: [\n", "not valid YAML"),
        ("installed_apps: [com.android.settings, 'com.example app']\n",
         ":1: installed_apps[1]: 'com.example app' is not an Android package name"),
        ("installed_apps:\n  - com.android.settings\n  - android\n",
         ":3: installed_apps[1]: 'android' is not an Android package name"),
        ("installed_apps:\n  - com.1password.android\n", ":2: installed_apps[0]: 'com.1password.android' is not"),
        ("installed_apps:\n  - com.a..b\n", ":2: installed_apps[0]: 'com.a..b' is not"),
        ("installed_apps: [com.a.b, ~]\n", ":1: installed_apps[1]: expected a package name"),
        ("installed_apps: [com.a.b, [x.y]]\n", ":1: installed_apps[1]: expected a package name"),
        ("installed_apps: com.a.b\n", ":1: installed_apps: expected a list"),
        (f"installed_apps: [com.{'a' * 260}]\n", ":1: installed_apps[0]: a package name of 264 characters"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DetectError) as info:
        load_canaries(path)
    assert str(info.value).startswith(str(path))
    assert expected in str(info.value)


def test_missing_file_is_a_detect_error(tmp_path: Path) -> None:
    with pytest.raises(DetectError, match="cannot read"):
        load_canaries(tmp_path / "nope.yaml")


def test_installed_apps_load_once_each_in_order() -> None:
    loaded = load_canaries_text("installed_apps: [com.android.settings, com.example.my_app2, "
                                "com.android.settings, Com.Example.Upper]\n", "run")
    assert loaded.installed_apps == ("com.android.settings", "com.example.my_app2", "Com.Example.Upper")
    assert loaded.values == () and loaded.location is None
    other = CanarySet.from_mapping({"installed_apps": ["com.b.c", "com.android.settings"]})
    merged = merge_canary_sets([loaded, other])
    assert merged.installed_apps == (*loaded.installed_apps, "com.b.c")


def test_too_many_installed_apps_name_the_field(tmp_path: Path) -> None:
    names = [f"com.example.app{i}" for i in range(MAX_INSTALLED_APPS + 1)]
    path = tmp_path / "apps.yaml"
    path.write_text("installed_apps:\n" + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
    with pytest.raises(DetectError) as info:
        load_canaries(path)
    assert str(info.value) == (f"{path}:{MAX_INSTALLED_APPS + 2}: installed_apps[{MAX_INSTALLED_APPS}]: more than "
                               f"{MAX_INSTALLED_APPS} package names; at most {MAX_INSTALLED_APPS} are accepted")
    assert len(CanarySet.from_mapping({"installed_apps": names[:-1]}).installed_apps) == MAX_INSTALLED_APPS
    halves = [CanarySet.from_mapping({"installed_apps": part}) for part in (names[:3000], names[3000:])]
    with pytest.raises(DetectError, match=f"{MAX_INSTALLED_APPS + 1} installed_apps together"):
        merge_canary_sets(halves)
