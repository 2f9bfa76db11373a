"""``canaries: auto``: generated values are valid for the country, unique per run, in the detector's format."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers
import pytest

from harness.detect.canaries import CanarySet, load_canaries_text
from harness.scenario.canaries import canaries_to_seed, canary_yaml, merge_canaries
from harness.scenario.canary_generate import device_country, generate_canaries, phone_number
from harness.scenario.model import CanarySpec

COUNTRIES = ("US", "GB", "IE", "DE", "FR", "IT", "IN", "JP", "BR", "AU", "CN", "NG", "AR")


def all_values(doc: dict[str, object]) -> list[str]:
    """Every text value of a canary document (phones, names, bodies, ...)."""
    return [c.value for c in CanarySet.from_mapping(doc).values]


def numbers_of(doc: dict[str, object]) -> list[str]:
    return [c.value for c in CanarySet.from_mapping(doc).values
            if c.type in ("contact.phone", "sms.address", "call_log.number")]


@pytest.mark.parametrize("country", COUNTRIES)
def test_phone_numbers_are_valid_mobile_numbers_of_the_country(country: str) -> None:
    doc = generate_canaries(country, random.Random(country))
    numbers = numbers_of(doc)
    assert len(numbers) >= 4
    for text in numbers:
        number = phonenumbers.parse(text)
        assert phonenumbers.is_valid_number(number), text
        assert phonenumbers.region_code_for_number(number) == country, text
        assert text == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), "E.164"
        assert phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def test_numbers_vary_most_subscriber_digits() -> None:
    rng = random.Random(7)
    numbers = {phone_number("US", rng) for _ in range(200)}
    assert len(numbers) == 200
    assert len({n[:8] for n in numbers}) > 50, "more than the last few digits are drawn"


def test_two_generations_share_no_value() -> None:
    for first, second in ((random.Random(1), random.Random(2)), (random.SystemRandom(), random.SystemRandom())):
        one, two = generate_canaries("US", first), generate_canaries("US", second)
        assert not set(all_values(one)) & set(all_values(two))
        assert one["location"] != two["location"]
    doc = generate_canaries("GB", random.Random(3))
    values = all_values({k: v for k, v in doc.items() if k != "sms"}) + [s["body"] for s in doc["sms"]]
    assert len(values) == len(set(values)), "all distinct within one run too"
    assert doc["sms"][0]["address"] == doc["contacts"][0]["phones"][0], "a message from a contact"


def test_every_text_carries_the_runs_token() -> None:
    doc = generate_canaries("IE", random.Random(5))
    token = doc["accounts"][0].split("@")[0].rsplit(".", 1)[1]
    assert len(token) == 6
    texts = [*doc["clipboard"], *doc["accounts"], *(s["body"] for s in doc["sms"]),
             *(e for c in doc["contacts"] for e in c["emails"])]
    assert all(token in t.lower() for t in texts), texts
    for email in [*doc["accounts"], *(e for c in doc["contacts"] for e in c["emails"])]:
        local, domain = email.split("@")
        assert domain in ("example.com", "example.org", "example.net") and local.replace(".", "").isalnum()


def test_the_detectors_loader_accepts_them_as_generated() -> None:
    doc = generate_canaries("DE", random.Random(11))
    loaded = load_canaries_text(canary_yaml(doc), "generated")
    assert loaded == CanarySet.from_mapping(doc)
    assert {c.type for c in loaded.values} == {"contact.name", "contact.phone", "contact.email", "sms.address",
                                               "sms.body", "call_log.number", "clipboard", "account"}
    assert loaded.location is not None
    for coordinate in (loaded.location.lat, loaded.location.lon):
        assert len(repr(coordinate).split(".")[1]) >= 4, "a GPS fix has 4+ decimals"
    assert 47 < loaded.location.lat < 55 and 5 < loaded.location.lon < 15, "in Germany"


def test_country_from_the_device_properties() -> None:
    assert device_country({"gsm.sim.operator.iso-country": "ie", "persist.sys.locale": "de-DE"}) == "IE"
    assert device_country({"gsm.sim.operator.iso-country": "", "persist.sys.locale": "fr-FR",
                           "ro.product.locale": "en-US"}) == "FR"
    assert device_country({"ro.product.locale": "en-GB"}) == "GB"
    assert device_country({"gsm.sim.operator.iso-country": "in,us"}) == "IN"
    assert device_country({"ro.product.locale": "zz-ZZ"}) == "US"
    assert device_country({}) == "US"


def test_declared_and_auto_merge_and_are_checked() -> None:
    declared: dict[str, Any] = {"contacts": [{"name": "Aoife Byrne", "phones": ["+353861234567"]}],
                "location": {"lat": 53.3438, "lon": -6.2546}, "clipboard": "secret clip text"}
    doc = canaries_to_seed(CanarySpec(declared=declared, auto=True), "IE", random.Random(2))
    assert doc["contacts"][0] == declared["contacts"][0] and len(doc["contacts"]) == 3
    assert doc["location"] == declared["location"], "the declared location wins: only one is seeded"
    assert doc["clipboard"][0] == "secret clip text"
    assert canaries_to_seed(CanarySpec(declared=declared), "IE") == merge_canaries(declared)
    with pytest.raises(Exception, match="too short"):
        canaries_to_seed(CanarySpec(declared={"sms": [{"body": "hi"}]}), "US")
