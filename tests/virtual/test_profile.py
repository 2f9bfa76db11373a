from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.errors import ProfileError
from harness.virtual.profile.fields import luhn_valid
from harness.virtual.profile.load import list_profiles, load_profile
from harness.virtual.profile.spec import third_party_apk_path

DEFAULT_YAML = Path(__file__).parents[2] / "harness" / "virtual" / "profile" / "profiles" / "default.yaml"


def test_default_profile_is_a_pixel_7_on_android_14() -> None:
    profile = load_profile("default")
    assert profile.build.fingerprint == "google/panther/panther:14/UP1A.231005.007/10754064:user/release-keys"
    assert (profile.build.sdk, profile.build.security_patch, profile.rooted) == (34, "2023-10-05", True)
    assert (profile.screen.width, profile.screen.height, profile.screen.density) == (1080, 2400, 420)
    assert "default" in list_profiles()


def test_default_identifiers_are_well_formed() -> None:
    ids = load_profile("default").identifiers
    assert luhn_valid(ids.imei) and len(ids.imei) == 15
    assert ids.iccid.startswith("89") and luhn_valid(ids.iccid)
    assert re.fullmatch(r"\d{15}", ids.imsi)
    assert re.fullmatch(r"[0-9a-f]{16}", ids.android_id)
    assert ids.phone_number.startswith("+")


def test_default_packages() -> None:
    profile = load_profile("default")
    system = [p for p in profile.packages if p.system]
    assert len(system) >= 8
    messenger = profile.package("com.example.messenger")
    assert messenger is not None and not messenger.system and messenger.uid >= 10000
    assert "android.permission.READ_PHONE_STATE" in messenger.permissions
    assert messenger.launcher_activity == ".MainActivity"
    assert re.fullmatch(r"/data/app/~~[A-Za-z0-9_-]{22}==/com\.example\.messenger-[A-Za-z0-9_-]{22}==/base\.apk",
                        messenger.apk_path)
    settings = profile.package("com.android.settings")
    assert settings is not None and settings.uid == 1000 and settings.apk_path.startswith("/system/priv-app/")
    assert profile.package("com.example.smsbackup") is not None
    assert profile.package("com.example.weather") is not None


def test_third_party_path_is_deterministic_per_package() -> None:
    assert third_party_apk_path("com.a.b") == third_party_apk_path("com.a.b")
    assert third_party_apk_path("com.a.b") != third_party_apk_path("com.a.c")


def test_load_by_path(tmp_path: Path) -> None:
    copy = tmp_path / "mine.yaml"
    copy.write_text(DEFAULT_YAML.read_text().replace("name: default", "name: mine", 1))
    assert load_profile(str(copy)).name == "mine"


@pytest.mark.parametrize(("old", "new", "field"), [
    ('imei: "358752114029584"', 'imei: "358752114029585"', "identifiers.imei"),
    ('iccid: "8901260842118736520"', 'iccid: "1901260842118736520"', "identifiers.iccid"),
    ("  sdk: 34\n", "  sdk: many\n", "build.sdk"),
    ("rooted: true", "rooted: yes please", "rooted"),
    ("  device: panther\n", "  device: panther\n  colour: blue\n", "build.colour"),
    ("    granted: [android.permission.ACCESS_COARSE_LOCATION]",
     "    granted: [android.permission.CAMERA]", "packages.com.example.weather.granted"),
    ("  - name: com.example.weather", "  - name: not a package", "packages.name"),
    ("launcher_package: com.android.launcher3", "launcher_package: com.nope.launcher", "launcher_package"),
    ("  fingerprint: google/panther", "  fingerprint: google/cheetah", "build.fingerprint"),
])
def test_bad_profiles_name_file_and_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    text = DEFAULT_YAML.read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ProfileError) as caught:
        load_profile(str(bad))
    assert str(bad) in str(caught.value)
    assert field in str(caught.value)


def test_missing_section_and_unknown_profile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbuild: {}\n")
    with pytest.raises(ProfileError, match=r"bad\.yaml: build\.brand: missing"):
        load_profile(str(bad))
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        load_profile("nope")
