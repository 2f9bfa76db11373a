"""Loading a scenario file into the ``Scenario`` the runner executes (``model.py``).

    load_scenario(path, env_overrides)  -> Scenario, or ScenarioError listing EVERY problem found
    validate(path, env_overrides)       -> the problems, as ``FILE:LINE:COL: message`` lines
    select_variants(scenario, names)    -> the variants ``--variants a,b`` picks (pre_consent first)

Top-level keys (``SCENARIO_KEYS``; anything else is an error with a "did you mean"):

    name         string (default: the file name without .yaml)
    app          a package, or {package: PKG, apk: PATH}; apk is relative to the file and must exist
    targets      packages, process names (system_server) and globs (com.vendor.*); default [app]
    hooks        hook module names (harness hooks list), or `all` (the default)
    canaries     `auto`, or the detector's canary format (``sections.py``)
    variants     consent states (``variants.py``); pre_consent is built in and first
    steps        the flow: Maestro's commands and the harness's own (``flows.py``), required
    expect       a list of mappings, stored for the verdict stage (``sections.py`` has what is checked)
    env          NAME: value, for ``${NAME}`` in any string (``env.py``); --env NAME=VALUE overrides
    first_party  the app's own domains
    idle         seconds a bare ``idle`` step and pre_consent wait (default 10)

A file is read once, bounded (``source.py``); every problem is collected, none stops the reading of
the rest, and none is ever a traceback.  A variant with ``ui`` steps needs a ``consentUi`` step
somewhere in ``steps`` (or its subflows), else its ui would never run: that is an error too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import yaml

from harness.errors import ScenarioError
from harness.instrument.config import all_modules
from harness.scenario import defaults, names
from harness.scenario.env import NAME, Scope
from harness.scenario.flows import Flow, Loading, read_steps
from harness.scenario.harness_steps import checked
from harness.scenario.model import PRE_CONSENT, CanarySpec, Location, Scenario, Step, Variant
from harness.scenario.reader import Reader, is_null
from harness.scenario.sections import read_canaries, read_expect
from harness.scenario.source import Problems, SourceError, read_documents, suggest
from harness.scenario.variants import read_variants

SCENARIO_KEYS = ("name", "app", "targets", "hooks", "canaries", "variants", "steps", "expect", "env",
                 "first_party", "idle")


def load_scenario(path: Path | str, env_overrides: Mapping[str, str] = {}) -> Scenario:
    """The scenario in ``path``; raises ``ScenarioError`` with every problem found."""
    scenario, problems = _load(Path(path), env_overrides)
    if problems or scenario is None:
        raise ScenarioError(problems or [f"{path}:1:1: the scenario could not be read"])
    return scenario


def validate(path: Path | str, env_overrides: Mapping[str, str] = {}) -> list[str]:
    """Every problem of the scenario in ``path`` (and its subflows), ``FILE:LINE:COL: message``."""
    return _load(Path(path), env_overrides)[1]


def select_variants(scenario: Scenario, wanted: Iterable[str]) -> tuple[Variant, ...]:
    """The variants named in ``wanted`` (``--variants``), in the scenario's order; an undefined
    name is a ``ScenarioError``."""
    wanted = [w.strip() for w in wanted if w.strip()]
    defined = [v.name for v in scenario.variants]
    missing = [w for w in wanted if w not in defined]
    if missing:
        raise ScenarioError([f"{scenario.path}:1:1: --variants: undefined variant {w!r}{suggest(w, defined)} "
                             f"(defined: {', '.join(defined)})" for w in missing])
    return tuple(v for v in scenario.variants if v.name in wanted)


def _load(path: Path, overrides: Mapping[str, str]) -> tuple[Scenario | None, list[str]]:
    problems = Problems()
    shown = str(path)
    resolved = path.resolve()
    loading = Loading(problems, [resolved])
    try:
        documents = read_documents(path, shown)
    except SourceError as exc:
        problems.add(exc.where, exc.message)
        return None, problems.lines()
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH; never a traceback
        problems.add(Location(shown, 1, 1), "the YAML is nested too deep")
        return None, problems.lines()
    loading.documents[resolved] = documents
    r = Reader(shown, Scope(overrides), problems)
    if len(documents) != 1 or not isinstance(documents[0], yaml.MappingNode):
        where = documents[0] if documents else None
        hint = ("this looks like a Maestro flow file: run it from a scenario's steps with `runFlow: FILE`"
                if len(documents) == 2 else "a scenario file is one YAML mapping (name, app, variants, steps...)")
        problems.add(r.at(where) if where is not None else Location(shown, 1, 1), hint)
        return None, problems.lines()
    try:
        scenario = _read(r, resolved, documents[0], loading, overrides)
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH and MAX_NESTING
        problems.add(Location(shown, 1, 1), "the scenario is nested too deep")
        return None, problems.lines()
    return (scenario if not problems else None), problems.lines()


def _read(r: Reader, path: Path, root: yaml.Node, loading: Loading, overrides: Mapping[str, str]) -> Scenario:
    fields = r.fields(root, "scenario", SCENARIO_KEYS, required=("steps",)) or {}
    env = _read_env(r, fields["env"], overrides) if "env" in fields else dict(overrides)
    r = r.with_scope(Scope(env))
    idle = (r.number(fields["idle"], "idle", minimum=0.1, maximum=24 * 3600, unit=" of seconds")
            if "idle" in fields else None) or defaults.IDLE_SECONDS
    name = r.text(fields["name"], "name") if "name" in fields else None
    app, apk = _read_app(r, path, fields["app"]) if "app" in fields and not is_null(fields["app"]) else (None, None)
    targets = _read_list(r, fields["targets"], "targets", names.target) if "targets" in fields else None
    if targets is None:
        targets = [app] if app else []
        if "app" not in fields and "targets" not in fields:
            r.fail(root, "scenario: give `app` (the package under test) or `targets`")
    hooks = _read_hooks(r, fields["hooks"]) if "hooks" in fields else None
    canaries = (read_canaries(r, fields["canaries"]) if "canaries" in fields else None) or CanarySpec()
    first_party = _read_list(r, fields["first_party"], "first_party", names.domain) if "first_party" in fields else None
    flow = Flow(loading, r, path, idle_seconds=idle)
    variants = read_variants(flow, fields.get("variants"))
    steps = read_steps(flow, fields["steps"], "steps") if "steps" in fields else ()
    if not _has_consent_ui(steps):
        for variant in variants:
            if variant.ui and variant.where is not None:
                r.problems.add(variant.where, f"variants.{variant.name}: it has ui steps but `steps` has no "
                                              "consentUi step to run them at")
    if app is None and "app" not in fields:
        _check_app_needed(r, variants, steps)
    expect = read_expect(r, fields["expect"], [v.name for v in variants], canaries) if "expect" in fields else None
    return Scenario(path=path, name=name or path.stem, app=app, apk=apk, targets=tuple(targets), hooks=hooks,
                    canaries=canaries, variants=tuple(variants), steps=steps, expect=expect, env=env,
                    first_party=tuple(first_party or ()), sources=tuple(loading.sources), idle_seconds=idle)


def _read_env(r: Reader, node: yaml.Node, overrides: Mapping[str, str]) -> dict[str, str]:
    """The file's env (each value may use the names before it), then ``overrides`` over it."""
    env: dict[str, str] = {}
    for key_node, key, value in r.pairs(node, "env") or ():
        if not NAME.match(key):
            r.fail(key_node, f"env: {key!r} is not a variable name (letters, digits and _)")
            continue
        text = r.with_scope(Scope({**env, **overrides})).text(value, f"env.{key}", empty=True)
        if text is not None:
            env[key] = text
    return {**env, **overrides}


def _read_app(r: Reader, path: Path, node: yaml.Node) -> tuple[str | None, Path | None]:
    if not isinstance(node, yaml.MappingNode):
        return checked(r, node, "app", names.package), None
    fields = r.fields(node, "app", ("package", "apk"), required=("package",)) or {}
    app = checked(r, fields["package"], "app.package", names.package) if "package" in fields else None
    apk: Path | None = None
    if "apk" in fields and (ref := r.text(fields["apk"], "app.apk")) is not None:
        apk = (path.parent / ref).resolve()
        if not apk.is_file():
            r.fail(fields["apk"], f"app.apk: {ref!r} {'is not a file' if apk.exists() else 'does not exist'} "
                                  f"(looked for {apk})")
            apk = None
    return app, apk


def _read_list(r: Reader, node: yaml.Node, what: str, check: Callable[[str], str]) -> list[str] | None:
    items = r.items(node, what)
    if items is None:
        return None
    if not items:
        r.fail(node, f"{what}: the list is empty")
    values = [checked(r, item, f"{what}[{i}]", check) for i, item in enumerate(items)]
    return [v for v in dict.fromkeys(values) if v is not None]


def _read_hooks(r: Reader, node: yaml.Node) -> tuple[str, ...] | None:
    """The hook modules named (None: ``all``, every module)."""
    if isinstance(node, yaml.ScalarNode):
        r.choice(node, "hooks", ("all",))
        return None
    modules = all_modules()
    out: list[str] = []
    for item, name in r.texts(node, "hooks") or ():
        if name not in modules:
            r.fail(item, f"hooks: unknown hook module {name!r}{suggest(name, modules)} (modules: {', '.join(modules)})")
        elif name not in out:
            out.append(name)
    if isinstance(node, yaml.SequenceNode) and not node.value:
        r.fail(node, "hooks: the list is empty (leave hooks out for every module)")
    return tuple(out)


def _check_app_needed(r: Reader, variants: Sequence[Variant], steps: Sequence[Step]) -> None:
    """Without ``app``, permissions and app-ops need a package to apply to."""
    for variant in variants:
        if (variant.permissions or variant.appops) and variant.where is not None:
            r.problems.add(variant.where, f"variants.{variant.name}: permissions and appops apply to the "
                                          "scenario's app, and it has none: give `app`")
    for step in _walk(steps):
        if step.command in ("grant", "revoke", "appops") and step.args.get("package") is None:
            r.problems.add(step.where, f"{step.command}: the scenario has no app; give `package`")


def _walk(steps: Sequence[Step]) -> Iterable[Step]:
    for step in steps:
        yield step
        yield from _walk(step.args.get("commands", ()))


def _has_consent_ui(steps: Sequence[Step]) -> bool:
    return any(step.command == "consentUi" for step in _walk(steps))


__all__ = ["PRE_CONSENT", "SCENARIO_KEYS", "load_scenario", "select_variants", "validate"]
