"""Command lists: each command read into a ``Step``; ``runFlow``, ``repeat`` and ``retry``; flow files.

A command is written as Maestro writes it: a bare name (``- back``) or a mapping of one command
name to its argument (``- tapOn: Accept``).  Names are Maestro's (``maestro.BUILDERS``), the
harness's own (``harness_steps.BUILDERS``) or flow control, here.  A Maestro command the harness
does not run (``maestro.REFUSED``) is an error naming it and why; any other unknown name is an error
with a "did you mean".

A flow file (``runFlow: login.yaml``, ``retry: {file: ...}``) is a Maestro flow file, as Maestro
writes them: a header document (``appId``, ``name``, ``tags``, ``env``...), ``---``, then the list of
commands; or just the list.  Its path is relative to the file that names it.  Its ``appId`` is the
default app of its ``launchApp``/``stopApp``/``killApp``/``clearState``; its ``env`` gives defaults
(``env.py`` has the precedence).  A flow that runs itself, directly or not, is an error at the
``runFlow`` that closes the loop.  Bounds: flow control nested at most ``MAX_NESTING`` deep (files
included), ``MAX_STEPS`` steps in all once every subflow is expanded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from harness.scenario import defaults, harness_steps, maestro, names
from harness.scenario.command_input import Built, StepInput
from harness.scenario.env import NAME
from harness.scenario.model import Step
from harness.scenario.reader import Reader, is_null, kind
from harness.scenario.selectors import NEVER, read_condition
from harness.scenario.source import Problems, SourceError, read_documents, suggest

MAX_NESTING = 16
MAX_STEPS = 10_000
FLOW_CONTROL = ("runFlow", "repeat", "retry")
COMMANDS = (*maestro.BUILDERS, *FLOW_CONTROL, *harness_steps.BUILDERS)
_HEADER_KEYS = ("appId", "name", "tags", "env", "properties", "jsEngine")
_HEADER_REFUSED = {"url": "web flows are not supported",
                   "onFlowStart": "flow hooks are not supported; put the commands in the flow",
                   "onFlowComplete": "flow hooks are not supported; put the commands in the flow"}


@dataclass
class Loading:
    """What one load shares across its files: problems, sources, cached files, budgets."""

    problems: Problems
    sources: list[Path] = field(default_factory=list)
    documents: dict[Path, list[yaml.Node] | None] = field(default_factory=dict)
    steps: int = 0
    over_budget: bool = False

    def read(self, path: Path, shown: str) -> list[yaml.Node] | None:
        if path not in self.documents:
            try:
                self.documents[path] = read_documents(path, shown)
            except SourceError as exc:
                self.problems.add(exc.where, exc.message)
                self.documents[path] = None
            if path not in self.sources:
                self.sources.append(path)
        return self.documents[path]


@dataclass
class Flow:
    """How to read one list of commands: its file, scope, default app and nesting."""

    loading: Loading
    r: Reader
    path: Path                     # the file, resolved
    app_id: str | None = None
    idle_seconds: float = defaults.IDLE_SECONDS
    in_variant_ui: bool = False
    nesting: int = 0
    files: tuple[Path, ...] = ()   # the flow files being read, outermost first (for loops)


def read_steps(flow: Flow, node: yaml.Node, what: str) -> tuple[Step, ...]:
    """The commands of the list ``node`` (``what`` names it in errors); nothing more once the
    ``MAX_STEPS`` budget is spent (so subflows that run each other many times cannot multiply work)."""
    if flow.loading.over_budget:
        return ()
    items = flow.r.items(node, what)
    steps: list[Step] = []
    for i, item in enumerate(items or ()):
        step = read_command(flow, item, f"{what}[{i}]")
        if step is not None:
            steps.append(step)
    return tuple(steps)


def read_command(flow: Flow, item: yaml.Node, what: str) -> Step | None:
    r = flow.r
    if isinstance(item, yaml.ScalarNode) and not is_null(item):
        name, arg = str(item.value), yaml.ScalarNode("tag:yaml.org,2002:null", "", item.start_mark, item.end_mark)
    elif isinstance(item, yaml.MappingNode) and len(item.value) == 1:
        key, arg = item.value[0]
        if not isinstance(key, yaml.ScalarNode):
            r.fail(key, f"{what}: a command name must be a string, got {kind(key)}")
            return None
        name = str(key.value)
    else:
        shape = "nothing" if is_null(item) else f"a mapping of {len(item.value)} keys" \
            if isinstance(item, yaml.MappingNode) else kind(item)
        r.fail(item, f"{what}: a step is a command name or a mapping of one command to its argument, got {shape}")
        return None
    label = f"{what} {name}"
    if name in maestro.REFUSED:
        r.fail(item, f"{label}: `{name}` is a Maestro command the harness does not support: {maestro.REFUSED[name]}")
        return None
    if name == "consentUi" and flow.in_variant_ui:
        r.fail(item, f"{label}: consentUi is where a variant's ui steps run; it cannot be one of them")
        return None
    if name in FLOW_CONTROL:
        return _flow_control(flow, name, item, arg, label)
    builder = maestro.BUILDERS.get(name) or harness_steps.BUILDERS.get(name)
    if builder is None:
        r.fail(item, f"{what}: unknown command {name!r}{suggest(name, COMMANDS)}")
        return None
    built = builder(StepInput(r, flow.app_id, flow.idle_seconds), arg, label)
    return None if built is None else _step(flow, name, item, built)


def _step(flow: Flow, name: str, item: yaml.Node, built: Built) -> Step | None:
    loading = flow.loading
    loading.steps += 1 + (built.repeat is not None)
    if loading.steps > MAX_STEPS:
        if not loading.over_budget:
            loading.over_budget = True
            flow.r.fail(item, f"more than {MAX_STEPS} steps once every runFlow is expanded")
        return None
    step = Step(name, built.args, flow.r.at(item), built.label)
    if built.repeat is not None:  # tapOn {repeat: N}
        return Step("repeat", {"times": built.repeat, "while": None, "commands": (step,)}, step.where, built.label)
    return step


def _flow_control(flow: Flow, name: str, item: yaml.Node, arg: yaml.Node, what: str) -> Step | None:
    r = flow.r
    if flow.nesting >= MAX_NESTING:
        r.fail(item, f"{what}: runFlow, repeat and retry nested more than {MAX_NESTING} deep")
        return None
    inner = replace(flow, nesting=flow.nesting + 1)
    if name == "runFlow" and isinstance(arg, yaml.ScalarNode) and not is_null(arg):
        fields: dict[str, yaml.Node] | None = {"file": arg}
    elif name == "runFlow":
        fields = r.fields(arg, what, ("file", "commands", "when", "env", "label"),
                          unsupported={"optional": "only tapOn, longPressOn and doubleTapOn can be optional"})
    elif name == "repeat":
        fields = r.fields(arg, what, ("times", "while", "commands", "label"), required=("commands",))
    else:
        fields = r.fields(arg, what, ("maxRetries", "file", "commands", "env", "label"))
    if fields is None:
        return None
    label = r.text(fields["label"], f"{what}.label") if "label" in fields else None
    args: dict[str, Any]
    if name == "repeat":
        times = r.integer(fields["times"], f"{what}.times", maximum=1_000_000) if "times" in fields else None
        reported = len(r.problems)
        cond = read_condition(r, fields["while"], f"{what}.while") if "while" in fields else None
        if "times" not in fields and "while" not in fields:
            r.fail(arg, f"{what}: give `times` or `while` (or both)")
        elif "times" not in fields and cond is None and len(r.problems) == reported:
            r.fail(fields["while"], f"{what}.while: it always holds on Android, so the repeat would never end; "
                                    "give `times` too")
        commands = read_steps(inner, fields["commands"], "commands") if "commands" in fields else ()
        args = {"times": times, "while": cond if cond != NEVER else None, "commands": commands}
        if cond == NEVER:  # `while: {platform: iOS}` never holds: nothing to run
            return None
        return _step(flow, name, item, Built(args, label))
    env = _read_env(r, fields["env"], f"{what}.env") if "env" in fields else {}
    if ("file" in fields) == ("commands" in fields):
        r.fail(arg, f"{what}: give `file` or `commands` (one of them)")
        return None
    if "commands" in fields:
        scoped = replace(inner, r=r.with_scope(r.scope.child(overrides=env)))
        commands = read_steps(scoped, fields["commands"], "commands")
        file = None
    else:
        file, commands = read_flow_file(inner, fields["file"], f"{what}.file", env)
    if name == "retry":
        retries = (r.integer(fields["maxRetries"], f"{what}.maxRetries", maximum=defaults.MAX_RETRIES)
                   if "maxRetries" in fields else 1)
        args = {"maxRetries": retries if retries is not None else 1, "commands": commands}
        return _step(flow, name, item, Built(args, label))
    cond = read_condition(r, fields["when"], f"{what}.when") if "when" in fields else None
    if cond == NEVER:  # `when: {platform: iOS}`: read (and checked), never run on Android
        return None
    args = {"file": file, "when": cond, "commands": commands, "env": env}
    return _step(flow, name, item, Built(args, label))


def _read_env(r: Reader, node: yaml.Node, what: str) -> dict[str, str]:
    """A flow's ``env:`` values, substituted in the scope of the flow that gives them."""
    out: dict[str, str] = {}
    for key_node, key, value in r.pairs(node, what) or ():
        if not NAME.match(key):
            r.fail(key_node, f"{what}: {key!r} is not a variable name (letters, digits and _)")
            continue
        text = r.text(value, f"{what}.{key}", empty=True)
        if text is not None:
            out[key] = text
    return out


def read_flow_file(flow: Flow, node: yaml.Node, what: str, env: dict[str, str]) -> tuple[Path | None, tuple[Step, ...]]:
    """The commands of the flow file ``node`` names (relative to ``flow``'s file)."""
    r = flow.r
    ref = r.text(node, what)
    if ref is None:
        return None, ()
    path = (flow.path.parent / ref).resolve()
    if not path.is_file():
        state = "is not a file" if path.exists() else "does not exist"
        r.fail(node, f"{what}: flow file {ref!r} {state} (looked for {path})")
        return None, ()
    if path in flow.files or path == flow.path:
        chain = " -> ".join(p.name for p in (*flow.files, flow.path, path))
        r.fail(node, f"{what}: {ref!r} runs itself ({chain})")
        return path, ()
    shown = os.path.normpath(Path(r.file).parent / ref) if not Path(ref).is_absolute() else ref
    documents = flow.loading.read(path, shown)
    if documents is None:
        return path, ()
    sub = Reader(shown, r.scope.child(overrides=env), r.problems)
    header: yaml.Node | None = None
    body: yaml.Node | None = None
    if len(documents) == 1 and isinstance(documents[0], yaml.SequenceNode):
        body = documents[0]
    elif len(documents) == 1 and isinstance(documents[0], yaml.MappingNode):
        header = documents[0]
    elif len(documents) == 2 and isinstance(documents[0], yaml.MappingNode):
        header, body = documents
    elif documents:
        sub.fail(documents[0], "a flow file is a header (appId: ...), then `---`, then a list of commands")
        return path, ()
    app_id, scope = flow.app_id, r.scope.child(overrides=env)
    if header is not None:
        fields = sub.fields(header, "flow header", _HEADER_KEYS, unsupported=_HEADER_REFUSED) or {}
        defaults_env = _read_env(sub, fields["env"], "env") if "env" in fields else {}
        scope = r.scope.child(defaults=defaults_env, overrides=env)
        sub = sub.with_scope(scope)
        for key in ("name", "jsEngine"):
            if key in fields:
                sub.text(fields[key], key)
        if "tags" in fields:
            sub.texts(fields["tags"], "tags")
        if "appId" in fields:
            app_id = harness_steps.checked(sub, fields["appId"], "appId", names.package)
    sub = sub.with_scope(scope)
    inner = Flow(flow.loading, sub, path, app_id, flow.idle_seconds, flow.in_variant_ui, flow.nesting,
                 (*flow.files, flow.path))
    return path, read_steps(inner, body, "commands") if body is not None else ()
