"""The ``variants:`` section: the consent states a scenario's flow runs under.

    variants:
      accepted:
        consent: given                 # given | withheld: what the user said (required)
        permissions: {READ_CONTACTS: grant}            # PERMISSION: grant | revoke
        appops: {READ_CONTACTS: allow}                 # OP: allow | ignore | deny | default | foreground
        settings: {secure.upload_log_pref: "1"}        # namespace.key: value (system | secure | global)
        ui: [{tapOn: Accept}]          # run where the steps say `consentUi`

A variant name is letters, digits, ``_``, ``-`` and ``.`` (it names folders and ``--variants``).
The built-in ``pre_consent`` variant comes first in every scenario: consent withheld, the app
launched and left idle with no interaction.  A file may define ``pre_consent`` itself to give it the
phone's state before anyone answered (permissions, app-ops, settings, e.g. a setting's factory
value); it stays built in (launch and idle), so ``consent: given`` or ``ui`` there is an error.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal, cast

import yaml

from harness.scenario import names
from harness.scenario.flows import Flow, read_steps
from harness.scenario.harness_steps import checked, read_appops, read_settings
from harness.scenario.model import PRE_CONSENT, Consent, Step, Variant
from harness.scenario.reader import is_null

VARIANT_KEYS = ("consent", "permissions", "appops", "settings", "ui")
CONSENT = ("given", "withheld")
PERMISSION_ACTIONS = ("grant", "revoke")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def read_variants(flow: Flow, node: yaml.Node | None) -> list[Variant]:
    """``pre_consent`` first, then the file's variants in the order written."""
    r = flow.r
    builtin = Variant(PRE_CONSENT, "withheld", builtin=True)
    variants: list[Variant] = []
    pairs = r.pairs(node, "variants") if not is_null(node) and node is not None else []
    for key_node, name, spec in pairs or ():
        if not _NAME.match(name):
            r.fail(key_node, f"variants: {name!r} is not a variant name (letters, digits, _, - and .)")
            continue
        variant = read_variant(flow, name, key_node, spec)
        if variant is None:
            continue
        if name == PRE_CONSENT:
            builtin = variant
        else:
            variants.append(variant)
    return [builtin, *variants]


def read_variant(flow: Flow, name: str, key_node: yaml.Node, node: yaml.Node) -> Variant | None:
    r = flow.r
    what = f"variants.{name}"
    pre = name == PRE_CONSENT
    fields = r.fields(node, what, VARIANT_KEYS, required=() if pre else ("consent",),
                      unsupported={"ui": "pre_consent is before the user could answer: it has no ui"} if pre else {})
    if fields is None:
        return None
    consent: Consent = "withheld"
    if "consent" in fields:
        read = r.choice(fields["consent"], f"{what}.consent", CONSENT)
        if read is not None:
            consent = cast(Consent, read)
        if pre and read == "given":
            r.fail(fields["consent"], f"{what}.consent: pre_consent is always withheld (nobody was asked yet)")
    permissions = (read_permissions(flow, fields["permissions"], f"{what}.permissions")
                   if "permissions" in fields else {})
    appops = read_appops(r, fields["appops"], f"{what}.appops") if "appops" in fields else {}
    settings = read_settings(r, fields["settings"], f"{what}.settings") if "settings" in fields else {}
    ui: tuple[Step, ...] = ()
    if "ui" in fields:
        ui = read_steps(_ui_flow(flow), fields["ui"], f"{what}.ui")
    return Variant(name, consent, permissions, appops or {}, settings or {}, ui, r.at(key_node), builtin=pre)


def read_permissions(flow: Flow, node: yaml.Node, what: str) -> dict[str, Literal["grant", "revoke"]]:
    r = flow.r
    out: dict[str, Literal["grant", "revoke"]] = {}
    for key_node, key, value in r.pairs(node, f"{what} (PERMISSION: grant|revoke)") or ():
        permission = checked(r, key_node, what, names.permission, text=key)
        action = r.choice(value, f"{what}.{key}", PERMISSION_ACTIONS)
        if permission is not None and action is not None:
            out[permission] = cast(Literal["grant", "revoke"], action)
    return out


def _ui_flow(flow: Flow) -> Flow:
    return replace(flow, in_variant_ui=True)
