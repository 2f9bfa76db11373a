"""``canaries: auto``: personal data made up per run, unique and realistic enough for apps to accept.

``generate_canaries(country, rng)`` returns a document in the detector's canary format (see
``harness.detect.canaries``): two contacts (name, mobile number, e-mail), two SMS, one call-log
entry, a location, a clipboard text and an account name.  Every value is

- *realistic*: phone numbers are E.164 numbers that ``phonenumbers`` (Google's libphonenumber
  metadata) holds valid, as mobile numbers of ``country``; names are a common first name and a
  surname-shaped word; e-mail addresses are well-formed; coordinates lie in a city of ``country``
  with six decimals, as a GPS fix has; SMS and clipboard texts read like a person's;
- *unique*: a random token of the run is in every text (e-mails, SMS, clipboard, account), phone
  numbers have most subscriber digits drawn at random, surnames are built from syllables, so no
  value collides with real data on the phone or in traffic, and two runs never share one.

E-mail domains are the ones reserved for examples (RFC 2606: ``example.com`` ...): well-formed for
any validator, and no real mailbox can receive what an app sends there.  ``device_country(props)``
picks the country from the device's properties (SIM country, then locale), default US.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

__all__ = ["DEFAULT_COUNTRY", "device_country", "generate_canaries", "phone_number"]

DEFAULT_COUNTRY = "US"

_FIRST_NAMES = (
    "Aoife", "Maeve", "Ciaran", "Niamh", "Oisin", "Emma", "Olivia", "Liam", "Noah", "Sophia", "Lucas",
    "Amelia", "Mateo", "Isabel", "Elena", "Jonas", "Lena", "Felix", "Clara", "Hugo", "Chloe", "Louis",
    "Sofia", "Marco", "Giulia", "Aarav", "Priya", "Rohan", "Ananya", "Kenji", "Yuki", "Haruto", "Mei",
    "Thiago", "Camila", "Diego", "Lucia", "Daniel", "Grace", "Samuel", "Hannah", "Tomas", "Eva",
)
_SYLLABLES = (
    "bar", "ven", "tor", "lis", "mar", "den", "kel", "ros", "val", "dun", "mor", "sel", "tan", "vik",
    "ler", "han", "dor", "fen", "gal", "rin", "cas", "bel", "nor", "wes", "ald", "ber", "cor", "dal",
)
_SURNAME_ENDINGS = ("son", "ley", "ton", "ford", "er", "ell", "ard", "wick", "man", "by", "ham", "ridge")
_MAIL_DOMAINS = ("example.com", "example.org", "example.net")
_TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: survives being read aloud

#: A few city centres (lat, lon) per country; a location is drawn within about 2 km of one.
_CITIES: dict[str, tuple[tuple[float, float], ...]] = {
    "US": ((40.7128, -74.0060), (37.7749, -122.4194), (41.8781, -87.6298), (47.6062, -122.3321)),
    "CA": ((43.6532, -79.3832), (45.5019, -73.5674), (49.2827, -123.1207)),
    "MX": ((19.4326, -99.1332), (20.6597, -103.3496)),
    "BR": ((-23.5505, -46.6333), (-22.9068, -43.1729)),
    "GB": ((51.5072, -0.1276), (53.4808, -2.2426), (55.9533, -3.1883)),
    "IE": ((53.3498, -6.2603), (51.8985, -8.4756), (53.2707, -9.0568)),
    "FR": ((48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698)),
    "DE": ((52.5200, 13.4050), (48.1351, 11.5820), (53.5511, 9.9937)),
    "ES": ((40.4168, -3.7038), (41.3874, 2.1686)),
    "IT": ((41.9028, 12.4964), (45.4642, 9.1900)),
    "NL": ((52.3676, 4.9041), (51.9244, 4.4777)),
    "IN": ((19.0760, 72.8777), (28.6139, 77.2090), (12.9716, 77.5946)),
    "CN": ((31.2304, 121.4737), (39.9042, 116.4074)),
    "JP": ((35.6762, 139.6503), (34.6937, 135.5023)),
    "KR": ((37.5665, 126.9780), (35.1796, 129.0756)),
    "AU": ((-33.8688, 151.2093), (-37.8136, 144.9631)),
    "ZA": ((-26.2041, 28.0473), (-33.9249, 18.4241)),
}


def device_country(props: Mapping[str, str]) -> str:
    """The device's country (ISO 3166 alpha-2, upper case) from its properties: the SIM's country
    (``gsm.sim.operator.iso-country``, first slot), else the region of ``persist.sys.locale`` or
    ``ro.product.locale`` (``en-US``); ``DEFAULT_COUNTRY`` when none names a country phone numbers
    are known for."""
    candidates = [props.get("gsm.sim.operator.iso-country", "").split(",")[0]]
    for key in ("persist.sys.locale", "ro.product.locale"):
        parts = props.get(key, "").replace("_", "-").split("-")
        candidates += [p for p in parts[1:] if len(p) == 2 and p.isalpha()]
    supported = phonenumbers.SUPPORTED_REGIONS
    for candidate in candidates:
        if candidate.strip().upper() in supported:
            return candidate.strip().upper()
    return DEFAULT_COUNTRY


def _region(country: str) -> str:
    region = country.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_COUNTRY


def phone_number(country: str, rng: random.Random) -> str:
    """A mobile number valid for ``country`` (E.164), most subscriber digits random.

    Starts from the country's example mobile number, keeps its first digits (the mobile prefix)
    and draws the rest until ``phonenumbers`` holds the number valid and of a mobile type; each
    round keeps one digit more, so a country with a narrow numbering plan still gets one."""
    region = _region(country)
    example = (phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
               or phonenumbers.example_number(region))
    if example is None:  # every supported region has one; guard the type
        return phone_number(DEFAULT_COUNTRY, rng) if region != DEFAULT_COUNTRY else "+12015550123"
    national = phonenumbers.national_significant_number(example)
    mobile = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
    for keep in range(min(3, len(national) - 4), len(national)):
        for _ in range(200):
            digits = national[:keep] + "".join(rng.choice(string.digits) for _ in range(len(national) - keep))
            number = phonenumbers.parse(f"+{example.country_code}{digits}")
            if (digits != national and phonenumbers.is_valid_number(number)
                    and phonenumbers.number_type(number) in mobile):
                return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, PhoneNumberFormat.E164)


def _token(rng: random.Random, length: int = 6) -> str:
    return "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(length))


def _surname(rng: random.Random) -> str:
    return (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_SURNAME_ENDINGS)).capitalize()


def _location(country: str, rng: random.Random) -> dict[str, float]:
    """Within about 2 km of a city centre, in micro-degrees, the last digit never 0 (six decimals)."""
    cities = _CITIES.get(country.upper()) or tuple(c for group in _CITIES.values() for c in group)
    lat, lon = rng.choice(cities)
    coords = []
    for centre in (lat, lon):
        micro = round(centre * 1_000_000) + rng.randint(-20_000, 20_000)
        if micro % 10 == 0:
            micro += 1
        coords.append(micro / 1_000_000)
    return {"lat": coords[0], "lon": coords[1]}


def generate_canaries(country: str, rng: random.Random) -> dict[str, Any]:
    """A new set of canaries for a run on a device in ``country``, in the detector's canary format.

    ``rng`` decides everything (give ``random.SystemRandom()`` for a run, a seeded ``Random`` for a
    reproducible test).  The values are all distinct from one another."""
    token = _token(rng)
    marker = token.upper()
    numbers: list[str] = []
    while len(numbers) < 4:
        number = phone_number(country, rng)
        if number not in numbers:
            numbers.append(number)
    people: list[tuple[str, str]] = []      # two contacts, then the phone's owner
    while len(people) < 3:
        person = (rng.choice(_FIRST_NAMES), _surname(rng))
        if all(person[0] != p[0] and person[1] != p[1] for p in people):
            people.append(person)
    contacts = [
        {"name": f"{first} {last}", "phones": [numbers[i]],
         "emails": [f"{first}.{last}.{token}@{rng.choice(_MAIL_DOMAINS)}".lower()]}
        for i, (first, last) in enumerate(people[:2])
    ]
    owner_first, owner_last = people[2]
    sms = [
        {"address": numbers[0], "body": f"Hi {owner_first}, table for 2 at half past seven is booked. See you there! "
                                        f"Ref {marker}"},
        {"address": numbers[2], "body": f"Your verification code is {rng.randint(100_000, 999_999)}. "
                                        f"Do not share it. ({marker})"},
    ]
    return {
        "contacts": contacts,
        "sms": sms,
        "call_log": [{"number": numbers[3]}],
        "location": _location(_region(country), rng),
        "clipboard": [f"Door code for flat {rng.randint(2, 48)}B is {rng.randint(1000, 9999)} - ref {marker}"],
        "accounts": [f"{owner_first}.{owner_last}.{token}@{rng.choice(_MAIL_DOMAINS)}".lower()],
    }
