from __future__ import annotations

from pathlib import Path

import pytest

from harness.detect import Destinations, TrackerDb
from harness.errors import DetectError


def test_bundled_lists_load_with_their_sources() -> None:
    db = TrackerDb.bundled()
    assert len(db) > 40_000
    ga = db.lookup("ssl.google-analytics.com")
    assert ga is not None and ga.organisation == "Google" and ga.source == "whotracksme"
    crash = db.lookup("settings.crashlytics.com")
    assert crash is not None
    assert db.lookup("analytics.tracker.example") is None  # test hosts are not special-cased


def test_registrable_domain_and_party() -> None:
    destinations = Destinations(TrackerDb({}), package="com.example.messenger")
    assert destinations.registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert destinations.registrable_domain("10.0.2.2") == "10.0.2.2"
    assert destinations.classify("api.example.co.uk").party == "first"
    assert destinations.classify("cdn.example.com").party == "first"
    assert destinations.classify("analytics.tracker.example").party == "third"
    declared = Destinations(TrackerDb({}), first_party=["messenger-cdn.net"])
    assert declared.classify("img.messenger-cdn.net", "com.example.messenger").party == "first"
    assert declared.classify("api.example.com", "com.example.messenger").party == "third"
    assert Destinations(TrackerDb({})).classify("api.example.com", "com.example.app").party == "first"
    assert Destinations(TrackerDb({})).classify(None).party is None


def test_user_supplied_lists(tmp_path: Path) -> None:
    text = tmp_path / "list.txt"
    text.write_text("# mine\n||tracker.example^\nads.example.net\n/path/rule\n", encoding="utf-8")
    db = TrackerDb.load(text)
    assert len(db) == 2
    assert db.lookup("analytics.tracker.example") is not None
    as_json = tmp_path / "list.json"
    as_json.write_text('{"sources": {}, "domains": {"tracker.example": ["Tracker Inc", "analytics", "mine"]}}')
    hit = TrackerDb.load(as_json).lookup("x.tracker.example")
    assert hit is not None and hit.organisation == "Tracker Inc"
    broken = tmp_path / "broken.json"
    broken.write_text('{"domains": 3}')
    with pytest.raises(DetectError, match=r"broken\.json"):
        TrackerDb.load(broken)
