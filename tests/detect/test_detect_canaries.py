from __future__ import annotations

from pathlib import Path

import pytest
from detect_support import CANARIES

from harness.detect import Canary, load_canaries
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
