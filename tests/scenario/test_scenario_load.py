"""The scenario file's top level, variants, canaries and expect, into the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_support import EXAMPLES, ROOT, located, problems, scenario, write

from harness.errors import ScenarioError
from harness.instrument.config import all_modules
from harness.scenario.load import load_scenario, select_variants
from harness.scenario.model import PRE_CONSENT, CanarySpec, Selector


def test_the_shipped_examples_load() -> None:
    assert {p.name for p in EXAMPLES} >= {"demo_messenger.yaml", "demo_smsbackup.yaml", "rom_audit_vendor.yaml"}
    for path in EXAMPLES:
        loaded = load_scenario(path)
        assert loaded.variants[0].name == PRE_CONSENT and loaded.variants[0].builtin
        assert loaded.sources[0] == path.resolve()


def test_demo_messenger_is_what_the_runner_needs() -> None:
    loaded = load_scenario(ROOT / "scenarios/demo_messenger.yaml")
    assert (loaded.name, loaded.app, loaded.targets, loaded.hooks) == (
        "demo_messenger", "com.example.messenger", ("com.example.messenger",), None)
    assert loaded.canaries == CanarySpec(auto=True)
    pre, accepted, rejected = loaded.variants
    assert (pre.name, pre.consent, pre.builtin, pre.permissions, pre.ui) == (PRE_CONSENT, "withheld", True, {}, ())
    assert (accepted.name, accepted.consent, dict(accepted.permissions)) == (
        "accepted", "given", {"android.permission.READ_CONTACTS": "grant"})
    assert (rejected.name, rejected.consent, dict(rejected.permissions)) == (
        "rejected", "withheld", {"android.permission.READ_CONTACTS": "revoke"})
    assert accepted.ui[0].args["selector"] == Selector(text="Accept")
    assert rejected.ui[0].args["selector"] == Selector(text="Reject")
    assert [s.command for s in loaded.steps] == ["launchApp", "assertVisible", "consentUi", "idle"]


def test_rom_audit_sets_the_vendor_setting() -> None:
    loaded = load_scenario(ROOT / "scenarios/rom_audit_vendor.yaml")
    profile = (ROOT / "harness/virtual/profile/profiles/vendor-a.yaml").read_text()
    assert loaded.app == "com.vendor.analytics" and f"name: {loaded.app}" in profile
    settings = {v.name: (v.consent, dict(v.settings)) for v in loaded.variants[1:]}
    assert sorted(settings.values()) == [("given", {"secure.upload_log_pref": "1"}),
                                         ("withheld", {"secure.upload_log_pref": "0"})]


def test_defaults_and_top_level_keys(tmp_path: Path) -> None:
    apk = write(tmp_path, "apps/app.apk", "not really an apk")
    loaded = scenario(tmp_path, """
        steps: [idle]
    """, app="{package: com.example.app, apk: apps/app.apk}")
    assert (loaded.name, loaded.app, loaded.apk, loaded.targets) == ("s", "com.example.app", apk.resolve(),
                                                                     ("com.example.app",))
    assert (loaded.hooks, loaded.canaries, loaded.expect, loaded.env, loaded.first_party) == (
        None, CanarySpec(), None, {}, ())
    assert loaded.idle_seconds == 10.0 and loaded.steps[0].args == {"seconds": 10.0}
    custom = scenario(tmp_path, """
        name: custom
        targets: [com.vendor.*, system_server, com.android.phone:ui]
        hooks: [network, sms]
        first_party: [Example.com, api.example.net]
        idle: 4
        steps: [idle]
    """)
    assert custom.targets == ("com.vendor.*", "system_server", "com.android.phone:ui")
    assert custom.hooks == ("network", "sms") and custom.first_party == ("example.com", "api.example.net")
    assert custom.idle_seconds == 4.0 and custom.steps[0].args == {"seconds": 4.0}
    assert scenario(tmp_path, "hooks: all\nsteps: [back]\n").hooks is None


@pytest.mark.parametrize(("text", "where", "expected"), [
    ("app: com.example.app\nsteps: [back]\nvarients: {}\n", (3, 1),
     "unknown key 'varients' (did you mean 'variants'?)"),
    ("app: com.example.app\n", (1, 1), "`steps` is required"),
    ("name: x\nsteps: [back]\n", (1, 1), "give `app` (the package under test) or `targets`"),
    ("app: not a package\nsteps: [back]\n", (1, 6), "is not an Android package name"),
    ("app: {package: com.a.b, apk: missing.apk}\nsteps: [back]\n", (1, 30), "'missing.apk' does not exist"),
    ("app: com.a.b\ntargets: []\nsteps: [back]\n", (2, 10), "the list is empty"),
    ("app: com.a.b\ntargets: ['com vendor']\nsteps: [back]\n", (2, 11), "expected a package, a process name or a glob"),
    ("app: com.a.b\nhooks: [network, smss]\nsteps: [back]\n", (2, 18),
     "unknown hook module 'smss' (did you mean 'sms'?)"),
    ("app: com.a.b\nhooks: some\nsteps: [back]\n", (2, 8), "'some' is not one of all"),
    ("app: com.a.b\nfirst_party: [not a domain]\nsteps: [back]\n", (2, 15), "is not a domain name"),
    ("app: com.a.b\nidle: 0\nsteps: [back]\n", (2, 7), "out of range"),
    ("app: com.a.b\nsteps: {back: 1}\n", (2, 8), "steps: expected a list, got a mapping"),
    ("app: com.a.b\nname: [x]\nsteps: [back]\n", (2, 7), "name: expected a string, got a list"),
    ("app: com.a.b\nenv: {1X: a}\nsteps: [back]\n", (2, 7), "'1X' is not a variable name"),
    ("app: com.a.b\nenv: {A: '${B}', B: x}\nsteps: [back]\n", (2, 10), "B is not defined"),
    ("app: com.a.b\ncanaries: manual\nsteps: [back]\n", (2, 11), "'manual' is not one of auto"),
    ("app: com.a.b\ncanaries: {contact: []}\nsteps: [back]\n", (2, 12),
     "unknown section 'contact' (did you mean 'contacts'?)"),
    ("app: com.a.b\ncanaries:\n  contacts:\n    - {name: Ann Example, phones: ['+1']}\nsteps: [back]\n",
     (4, 36), "canaries.contacts[0].phones[0]: value '+1' is too short"),
    ("app: com.a.b\nexpect: {variant: x}\nsteps: [back]\n", (2, 9), "expect: expected a list, got a mapping"),
    ("app: com.a.b\nexpect: [{no_leak: imeii}]\nsteps: [back]\n", (2, 20),
     "expect[0].no_leak: undefined data type 'imeii' (did you mean 'imei'?)"),
    ("app: com.a.b\nexpect: [{no_leak: [imei, contact.phone]}]\nsteps: [back]\n", (2, 27),
     "names a canary the scenario does not seed"),
    ("app: com.a.b\nvariants: {accepted: {consent: given}}\n"
     "expect: [{variants: [pre_consent, acepted], no_leak: imei}]\nsteps: [back]\n", (3, 35),
     "expect[0].variants: undefined variant 'acepted' (did you mean 'accepted'?) (defined: pre_consent, accepted)"),
    ("app: com.a.b\nexpect: [{variant: all, no_leek: [imei]}]\nsteps: [back]\n", (2, 25),
     "unknown rule 'no_leek' (did you mean 'no_leak'?)"),
    ("app: com.a.b\nexpect: [{variant: pre_consent}]\nsteps: [back]\n", (2, 10), "expect[0]: no rule"),
    ("app: com.a.b\nexpect: [{forbidden_countries: [CN, China]}]\nsteps: [back]\n", (2, 37),
     "'China' is not a two-letter ISO 3166-1 country code"),
    ("app: com.a.b\nexpect: [{max_flows: -1}]\nsteps: [back]\n", (2, 22), "expected a whole number"),
    ("app: com.a.b\nexpect: [{no_third_party: maybe}]\nsteps: [back]\n", (2, 27), "expected true or false"),
    ("app: com.a.b\nexpect: [{forbidden_domains: ['not a domain']}]\nsteps: [back]\n", (2, 31),
     "is not a domain name"),
])
def test_top_level_problems(tmp_path: Path, text: str, where: tuple[int, int], expected: str) -> None:
    found = located(problems(tmp_path, text))
    assert any((line, col) == where and expected in message for line, col, message in found), found


def test_canaries_declared_and_auto(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, """
        canaries:
          auto: true
          identifiers: {imei: 358752114029584}
          contacts:
            - {name: Ann Example, phones: ["+14155550123", 0123456789], emails: [ann@example.org]}
          sms: [{address: "+14155550199", body: "Your code is 482913"}]
          location: {lat: 53.3438, lon: -6.2546}
          accounts: [ann@example.org]
        expect:
          - {variant: pre_consent, no_leak: [imei, contact.phone, sms, location, account]}
        steps: [back]
    """)
    assert loaded.canaries.auto is True
    assert loaded.canaries.declared == {  # as written: the detector reads the text
        "identifiers": {"imei": "358752114029584"},
        "contacts": [{"name": "Ann Example", "phones": ["+14155550123", "0123456789"], "emails": ["ann@example.org"]}],
        "sms": [{"address": "+14155550199", "body": "Your code is 482913"}],
        "location": {"lat": "53.3438", "lon": "-6.2546"},
        "accounts": ["ann@example.org"],
    }
    assert loaded.expect == [{"variant": "pre_consent",
                              "no_leak": ["imei", "contact.phone", "sms", "location", "account"]}]


def test_variants(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, """
        variants:
          granted:
            consent: given
            permissions: {READ_SMS: grant, com.google.android.gms.permission.AD_ID: revoke}
            appops: {android:read_sms: allow, COARSE_LOCATION: foreground}
            settings: {Secure.upload_log_pref: 1, system.x: "y"}
          pre_consent:
            settings: {secure.upload_log_pref: 0}
        steps: [back]
    """)
    pre, granted = loaded.variants
    assert (pre.name, pre.builtin, pre.consent, dict(pre.settings)) == (
        PRE_CONSENT, True, "withheld", {"secure.upload_log_pref": "0"})
    assert pre.where is not None and pre.where.line == 8
    assert dict(granted.permissions) == {"android.permission.READ_SMS": "grant",
                                         "com.google.android.gms.permission.AD_ID": "revoke"}
    assert dict(granted.appops) == {"READ_SMS": "allow", "COARSE_LOCATION": "foreground"}
    assert dict(granted.settings) == {"secure.upload_log_pref": "1", "system.x": "y"}
    assert (granted.builtin, granted.ui, granted.where and granted.where.line) == (False, (), 3)


@pytest.mark.parametrize(("variants", "where", "expected"), [
    ("a: {permissions: {READ_SMS: grant}}", (3, 6), "variants.a: `consent` is required"),
    ("a: {consent: yes}", (3, 16), "'yes' is not one of given, withheld"),
    ("a: {consent: given, permission: {}}", (3, 23), "unknown key 'permission' (did you mean 'permissions'?)"),
    ("a: {consent: given, permissions: {READ_SMS: allow}}", (3, 47), "'allow' is not one of grant, revoke"),
    ("a: {consent: given, permissions: [READ_SMS]}", (3, 36), "expected a mapping"),
    ("a: {consent: given, appops: {READ_SMS: on}}", (3, 42), "is not one of allow, ignore"),
    ("a: {consent: given, settings: {upload_log_pref: 1}}", (3, 34), "expected NAMESPACE.KEY"),
    ("a b: {consent: given}", (3, 3), "is not a variant name"),
    ("pre_consent: {consent: given}", (3, 26), "pre_consent is always withheld"),
    ("pre_consent: {ui: [back]}", (3, 17), "pre_consent is before the user could answer"),
    ("a: {consent: given, ui: [{tapOn: OK}]}", (3, 3), "has ui steps but `steps` has no consentUi"),
])
def test_variant_problems(tmp_path: Path, variants: str, where: tuple[int, int], expected: str) -> None:
    found = located(problems(tmp_path, f"app: com.a.b\nvariants:\n  {variants}\nsteps: [back]\n"))
    assert any((line, col) == where and expected in message for line, col, message in found), found


def test_select_variants(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, "variants: {a: {consent: given}, b: {consent: withheld}}\nsteps: [back]\n")
    assert [v.name for v in select_variants(loaded, ["b", "pre_consent"])] == ["pre_consent", "b"]
    with pytest.raises(ScenarioError, match=r"--variants: undefined variant 'c'") as caught:
        select_variants(loaded, ["a", "c"])
    assert len(caught.value.problems) == 1 and located(caught.value.problems)


def test_every_problem_in_one_go(tmp_path: Path) -> None:
    text = """\
app: com.a.b
hooks: [networks]
variants:
  a: {consent: maybe}
steps:
  - tapOn: {txt: A}
  - shell: reboot
  - idle: forever
expect: [{variant: b, no_leak: imei}]
"""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, "s.yaml", text))
    assert [line for line, _, _ in located(caught.value.problems)] == [2, 4, 6, 7, 8, 9]
    assert str(caught.value) == "\n".join(caught.value.problems)


def test_hook_modules_are_the_agents(tmp_path: Path) -> None:
    text = "hooks: [" + ", ".join(all_modules()) + "]\nsteps: [back]\n"
    assert scenario(tmp_path, text).hooks == all_modules()


def test_expect_is_stored_json_ready(tmp_path: Path) -> None:
    import json

    loaded = scenario(tmp_path, """
        env: {HOST: tracker.example}
        expect:
          - {variant: pre_consent, forbidden_domains: "${HOST}", max_flows: 0, no_third_party: true}
          - {variants: all, allowed_countries: [de, FR]}
        steps: [back]
    """)
    assert loaded.expect == [{"variant": "pre_consent", "forbidden_domains": "tracker.example", "max_flows": 0,
                              "no_third_party": True}, {"variants": "all", "allowed_countries": ["de", "FR"]}]
    json.dumps(loaded.expect)


def test_permissions_need_an_app(tmp_path: Path) -> None:
    found = located(problems(tmp_path, """\
targets: [system_server]
variants:
  a: {consent: given, permissions: {READ_SMS: grant}}
  b: {consent: given, settings: {secure.x: 1}}
steps:
  - grant: READ_SMS
  - grant: {package: com.a.b, permission: READ_SMS}
  - repeat: {times: 1, commands: [{appops: {READ_SMS: allow}}]}
"""))
    assert [(line, col) for line, col, _ in found] == [(3, 3), (6, 5), (8, 35)]
    assert "give `app`" in found[0][2] and "give `package`" in found[1][2]
