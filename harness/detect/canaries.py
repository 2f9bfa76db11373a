"""The canary file: the personal data a scenario seeded on the phone, which the detector hunts for.

Shape (any subset of the sections; the scenario runner writes the same file into a run)::

    identifiers: {imei: "...", android_id: "...", advertising_id: "...", serial: "...",
                  imsi: "...", iccid: "...", wifi_mac: "...", phone_number: "..."}
    contacts: [{name: "...", phones: ["..."], emails: ["..."]}]
    sms: [{address: "...", body: "..."}]
    call_log: [{number: "...", name: "..."}]
    location: {lat: 53.3438, lon: -6.2546}
    clipboard: ["..."]
    accounts: ["..."]
    installed_apps: [com.android.settings, com.example.messenger, ...]

An identifier may also be a list of values (a phone with two SIM slots has two IMEIs; an app may be
handed another MAC than the one adb reads), and ``clipboard`` a single string.  ``call_log`` and
``clipboard`` report as ``call_log.number``/``call_log.name`` and ``clipboard``.  ``installed_apps``
is the phone's package list (``pm list packages``): its names are no canaries one by one (apps name
packages all the time) but together, as an ``installed_apps`` finding when one layer names enough of
them (see ``applist``); each must be a valid Android package name (two or more dot-separated
segments, each a letter then letters, digits or ``_``).
``load_canaries`` reads a file, ``load_canaries_text`` the same format from text (the canaries a
run stores); ``merge_canary_sets`` joins several (a run's own and a file given with ``--canaries``).

Loading errors name the file, line and field, taken from the YAML node marks.  The YAML itself is
bounded before it is composed (size, depth, alias expansion: see ``canary_yaml``), and so is what it
may ask for, since every canary becomes some 40-80 search patterns (hashes included, about 3 KB):

- at most ``MAX_CANARIES`` (4,000) values in all, counted as read (a contact's name, each phone and
  each e-mail count one each): a scenario seeds a few dozen, a contact-list test a few hundred
  contacts; 4,000 values make about 12 MB of patterns, which the matcher holds in about 160 MB
  (400 MB while it is built; see ``matcher``);
- at most ``MAX_VALUE_CHARS`` (1,024) characters a value (a long multi-part SMS) and
  ``MAX_TOTAL_CHARS`` (256 Ki) characters for all of them, so long values cannot multiply that;
- at most ``MAX_INSTALLED_APPS`` (5,000) package names of at most ``MAX_PACKAGE_CHARS`` (255)
  characters, counted apart from the values: a phone has a few hundred packages, and each is one
  pattern (no hashes): 5,000 of the longest make 1.2 MB of patterns, under 20 MB of automaton.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.detect.canary_yaml import MAX_FILE_BYTES, compose_checked, read_yaml
from harness.errors import DetectError

log = logging.getLogger(__name__)

MAX_CANARIES = 4000
MAX_VALUE_CHARS = 1024
MAX_TOTAL_CHARS = 256 * 1024
MAX_INSTALLED_APPS = 5000
MAX_PACKAGE_CHARS = 255
#: An Android package name as ``pm list packages`` prints it (the framework's own "android" is
#: left out: one segment is an ordinary word).
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")

IDENTIFIER_TYPES = (
    "imei", "android_id", "advertising_id", "serial", "imsi", "iccid", "wifi_mac", "phone_number",
)
#: Every finding type a canary can produce.
FINDING_TYPES = (
    *IDENTIFIER_TYPES, "contact.name", "contact.phone", "contact.email", "sms.address", "sms.body",
    "location", "account", "call_log.number", "call_log.name", "clipboard", "installed_apps",
)


@dataclass(frozen=True)
class Canary:
    """One seeded value and the finding type a match of it is reported as."""

    type: str
    value: str


@dataclass(frozen=True)
class Location:
    """The seeded location; it matches when latitude and longitude both appear in one layer."""

    lat: float
    lon: float

    @property
    def label(self) -> str:
        return f"{self.lat},{self.lon}"


@dataclass(frozen=True)
class CanarySet:
    """All canaries of one run; ``installed_apps`` the phone's package names (searched as one list)."""

    values: tuple[Canary, ...] = ()
    location: Location | None = None
    installed_apps: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], origin: str = "canaries") -> CanarySet:
        """Build from already-parsed data (the Python API); errors name ``origin`` and the field."""
        try:
            node = yaml.representer.SafeRepresenter(sort_keys=False).represent_data(dict(data))
        except (yaml.YAMLError, RecursionError) as exc:
            raise DetectError(f"{origin}: not canary data: {exc}") from exc
        return _Reader(origin).read(node)


def load_canaries(path: Path) -> CanarySet:
    """Read a canary YAML file; raise ``DetectError`` naming file, line and field on any problem."""
    node = read_yaml(path)
    if node is None:
        raise DetectError(f"{path}: the canary file is empty")
    return _Reader(str(path)).read(node)


def load_canaries_text(text: str, origin: str) -> CanarySet:
    """``load_canaries`` for canary YAML (or JSON) held as text, e.g. stored in a run; errors name
    ``origin`` where they would name the file.  The same bounds apply (size, depth, nodes, values)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise DetectError(f"{origin}: the canaries are larger than the {MAX_FILE_BYTES} bytes accepted")
    node = compose_checked(text, origin)
    if node is None:
        raise DetectError(f"{origin}: the canaries are empty")
    return _Reader(origin).read(node)


def merge_canary_sets(sets: Iterable[CanarySet], origin: str = "canaries") -> CanarySet:
    """One set holding every value of ``sets`` (duplicates once, first seen first).  Only one location
    can be searched for: the first one; a different one later is logged and left out."""
    values: list[Canary] = []
    location: Location | None = None
    apps: dict[str, None] = {}
    for canary_set in sets:
        values.extend(canary_set.values)
        apps.update(dict.fromkeys(canary_set.installed_apps))
        if location is None:
            location = canary_set.location
        elif canary_set.location is not None and canary_set.location != location:
            log.warning("%s: several locations; searching for %s only, not %s", origin, location.label,
                        canary_set.location.label)
    merged = tuple(dict.fromkeys(values))
    if len(merged) > MAX_CANARIES:
        raise DetectError(f"{origin}: {len(merged)} canary values together; at most {MAX_CANARIES} are accepted")
    if sum(len(c.value) for c in merged) > MAX_TOTAL_CHARS:
        raise DetectError(f"{origin}: the canary values pass {MAX_TOTAL_CHARS} characters in all")
    if len(apps) > MAX_INSTALLED_APPS:
        raise DetectError(f"{origin}: {len(apps)} installed_apps together; at most {MAX_INSTALLED_APPS} are accepted")
    return CanarySet(merged, location, tuple(apps))


class _Reader:
    """Walks the composed YAML node tree so every error can point at a line."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.values: list[Canary] = []
        self.apps: dict[str, None] = {}
        self.chars = 0

    def fail(self, node: yaml.Node, field: str, message: str) -> DetectError:
        line = f":{node.start_mark.line + 1}" if node.start_mark is not None else ""
        return DetectError(f"{self.origin}{line}: {field}: {message}")

    def mapping(self, node: yaml.Node, field: str, allowed: Iterable[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, field, "expected a mapping")
        allowed_set = set(allowed)
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed_set:
                raise self.fail(key_node, field, f"unknown key {key!r} (expected one of {sorted(allowed_set)})")
            out[str(key)] = value_node
        return out

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, field, "expected a list")
        return list(node.value)

    def text(self, node: yaml.Node, field: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            raise self.fail(node, field, "expected a string")
        if node.tag.endswith(":float"):
            # 1.5e3 or a phone number turned float would not survive as the seeded text
            raise self.fail(node, field, "expected a string (quote the value)")
        value = str(node.value).strip()
        if len(value) < 4:
            raise self.fail(node, field, f"value {value!r} is too short to search for (4 characters or more)")
        if len(value) > MAX_VALUE_CHARS:
            raise self.fail(node, field, f"a value of {len(value)} characters; at most {MAX_VALUE_CHARS} are accepted")
        return value

    def number(self, node: yaml.Node, field: str, bound: float) -> float:
        try:
            value = float(node.value) if isinstance(node, yaml.ScalarNode) else math.nan
        except ValueError:
            value = math.nan
        if not -bound <= value <= bound:
            raise self.fail(node, field, f"expected a number between -{bound:g} and {bound:g}")
        return value

    def add(self, type_: str, node: yaml.Node, field: str) -> None:
        if len(self.values) >= MAX_CANARIES:
            raise self.fail(node, field, f"more than {MAX_CANARIES} canary values; at most {MAX_CANARIES} are accepted")
        value = self.text(node, field)
        self.chars += len(value)
        if self.chars > MAX_TOTAL_CHARS:
            raise self.fail(node, field, f"the canary values pass {MAX_TOTAL_CHARS} characters in all; "
                            "no more are accepted")
        self.values.append(Canary(type_, value))

    def package(self, node: yaml.Node, field: str) -> None:
        if len(self.apps) >= MAX_INSTALLED_APPS:
            raise self.fail(node, field, f"more than {MAX_INSTALLED_APPS} package names; "
                            f"at most {MAX_INSTALLED_APPS} are accepted")
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith((":null", ":float", ":int", ":bool")):
            raise self.fail(node, field, "expected a package name")
        name = str(node.value).strip()
        if len(name) > MAX_PACKAGE_CHARS:
            raise self.fail(node, field, f"a package name of {len(name)} characters; "
                            f"at most {MAX_PACKAGE_CHARS} are accepted")
        if PACKAGE_NAME.fullmatch(name) is None:
            raise self.fail(node, field, f"{name!r} is not an Android package name (two or more segments "
                            "joined by '.', each a letter followed by letters, digits or '_')")
        self.apps[name] = None

    def read(self, root: yaml.Node) -> CanarySet:
        top = self.mapping(root, "top level", ("identifiers", "contacts", "sms", "call_log", "location",
                                               "clipboard", "accounts", "installed_apps"))
        location: Location | None = None
        if "identifiers" in top:
            for key, node in self.mapping(top["identifiers"], "identifiers", IDENTIFIER_TYPES).items():
                if isinstance(node, yaml.SequenceNode):
                    for j, item in enumerate(node.value):
                        self.add(key, item, f"identifiers.{key}[{j}]")
                else:
                    self.add(key, node, f"identifiers.{key}")
        for i, contact in enumerate(self.sequence(top["contacts"], "contacts") if "contacts" in top else []):
            fields = self.mapping(contact, f"contacts[{i}]", ("name", "phones", "emails"))
            if "name" in fields:
                self.add("contact.name", fields["name"], f"contacts[{i}].name")
            for j, phone in enumerate(self.sequence(fields.get("phones", _EMPTY), f"contacts[{i}].phones")):
                self.add("contact.phone", phone, f"contacts[{i}].phones[{j}]")
            for j, email in enumerate(self.sequence(fields.get("emails", _EMPTY), f"contacts[{i}].emails")):
                self.add("contact.email", email, f"contacts[{i}].emails[{j}]")
        for i, sms in enumerate(self.sequence(top["sms"], "sms") if "sms" in top else []):
            fields = self.mapping(sms, f"sms[{i}]", ("address", "body"))
            for key in ("address", "body"):
                if key in fields:
                    self.add(f"sms.{key}", fields[key], f"sms[{i}].{key}")
        if "location" in top:
            fields = self.mapping(top["location"], "location", ("lat", "lon"))
            for key in ("lat", "lon"):
                if key not in fields:
                    raise self.fail(top["location"], "location", f"missing {key!r}")
            location = Location(self.number(fields["lat"], "location.lat", 90),
                                self.number(fields["lon"], "location.lon", 180))
        for i, call in enumerate(self.sequence(top["call_log"], "call_log") if "call_log" in top else []):
            fields = self.mapping(call, f"call_log[{i}]", ("number", "name"))
            for key in ("number", "name"):
                if key in fields:
                    self.add(f"call_log.{key}", fields[key], f"call_log[{i}].{key}")
        if "clipboard" in top:
            clips = top["clipboard"]
            if isinstance(clips, yaml.ScalarNode):
                self.add("clipboard", clips, "clipboard")
            else:
                for i, clip in enumerate(self.sequence(clips, "clipboard")):
                    self.add("clipboard", clip, f"clipboard[{i}]")
        for i, account in enumerate(self.sequence(top["accounts"], "accounts") if "accounts" in top else []):
            self.add("account", account, f"accounts[{i}]")
        for i, app in enumerate(self.sequence(top["installed_apps"], "installed_apps")
                                if "installed_apps" in top else []):
            self.package(app, f"installed_apps[{i}]")
        return CanarySet(tuple(dict.fromkeys(self.values)), location, tuple(self.apps))


_EMPTY = yaml.SequenceNode(tag="tag:yaml.org,2002:seq", value=[])
