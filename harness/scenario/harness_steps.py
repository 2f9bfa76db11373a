"""The harness's own steps, read into their normal form (``model.py``):

    - idle: 8                      record with no interaction (seconds; bare ``idle``: the
                                   scenario's ``idle:``, default 10)
    - consentUi                    where the variant's ``ui`` steps run (not inside a variant's ui)
    - grant: READ_CONTACTS         or {package: com.example.app, permission: android.permission.X}
    - revoke: READ_CONTACTS        (no package: the scenario's app)
    - appops: {READ_CONTACTS: ignore}          or {package: PKG, ops: {OP: MODE}}
    - setting: {secure.upload_log_pref: "0"}   namespace system, secure or global
    - shell: [am, broadcast, -a, com.vendor.PING]   an argument list, each argument quoted for the
                                   device shell by the runner; a string is refused (it would be
                                   split by the device's shell, and ``;``/``$()`` in it executed)

Each also takes ``label`` where it is a mapping.  Permission, app-op and setting names are checked
and normalised by ``names``.
"""

from __future__ import annotations

from typing import Any

import yaml

from harness.scenario import names
from harness.scenario.command_input import Builder, Built, StepInput, command_fields
from harness.scenario.reader import Reader, is_null

MAX_IDLE_SECONDS = 24 * 3600.0


def idle(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    if is_null(node):
        return Built({"seconds": c.idle_seconds})
    if isinstance(node, yaml.MappingNode):
        fields = command_fields(c, node, what, ("seconds", "label"), required=("seconds",))
        if not fields or "seconds" not in fields:
            return None
        label = c.r.text(fields["label"], f"{what}.label") if "label" in fields else None
        node = fields["seconds"]
    else:
        label = None
    seconds = c.r.number(node, what, minimum=0, maximum=MAX_IDLE_SECONDS, unit=" of seconds")
    return None if seconds is None else Built({"seconds": seconds}, label)


def consent_ui(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = command_fields(c, node, what, ("label",))
    if fields is None:
        return None
    return Built({}, c.r.text(fields["label"], f"{what}.label") if "label" in fields else None)


def permission_step(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    """grant, revoke."""
    if is_null(node):
        c.r.fail(node, f"{what}: name the permission (READ_CONTACTS, or {{package, permission}})")
        return None
    if not isinstance(node, yaml.MappingNode):
        permission = checked(c.r, node, what, names.permission)
        return None if permission is None else Built({"package": None, "permission": permission})
    fields = command_fields(c, node, what, ("package", "permission", "label"), required=("permission",))
    if not fields or "permission" not in fields:
        return None
    package = checked(c.r, fields["package"], f"{what}.package", names.package) if "package" in fields else None
    permission = checked(c.r, fields["permission"], f"{what}.permission", names.permission)
    label = c.r.text(fields["label"], f"{what}.label") if "label" in fields else None
    if permission is None or ("package" in fields and package is None):
        return None
    return Built({"package": package, "permission": permission}, label)


def appops(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    pairs = c.r.pairs(node, what)
    if pairs is None:
        return None
    keys = {key for _, key, _ in pairs}
    package: str | None = None
    label: str | None = None
    ops_node: yaml.Node = node
    if keys & {"package", "ops"}:
        fields = c.r.fields(node, what, ("package", "ops", "label"), required=("ops",))
        if not fields or "ops" not in fields:
            return None
        package = checked(c.r, fields["package"], f"{what}.package", names.package) if "package" in fields else None
        label = c.r.text(fields["label"], f"{what}.label") if "label" in fields else None
        ops_node = fields["ops"]
    elif "label" in keys:
        label_node = next(value for _, key, value in pairs if key == "label")
        label = c.r.text(label_node, f"{what}.label")
    ops = read_appops(c.r, ops_node, what, skip=("label",) if ops_node is node else ())
    if ops is None:
        return None
    if not ops:
        written = [key for _, key, _ in c.r.pairs(ops_node, what) or () if ops_node is not node or key != "label"]
        if not written:  # (else each bad one was reported)
            c.r.fail(node, f"{what}: give at least one OP: MODE")
        return None
    return Built({"package": package, "ops": ops}, label)


def read_appops(r: Reader, node: yaml.Node, what: str, skip: tuple[str, ...] = ()) -> dict[str, str] | None:
    """``{OP: MODE}`` with OP normalised (``android:read_contacts`` -> ``READ_CONTACTS``)."""
    pairs = r.pairs(node, what)
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for key_node, key, value in pairs:
        if key in skip:
            continue
        op = checked(r, key_node, what, names.app_op, text=key)
        mode = r.choice(value, f"{what}.{key}", names.APPOP_MODES)
        if op is not None and mode is not None:
            out[op] = mode
    return out


def setting(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    pairs = c.r.pairs(node, what)
    if pairs is None:
        return None
    label = None
    values = read_settings(c.r, node, what, skip=("label",))
    for _, key, value in pairs:
        if key == "label":
            label = c.r.text(value, f"{what}.label")
    if values is None:
        return None
    if not values:
        if all(key == "label" for _, key, _ in pairs):
            c.r.fail(node, f"{what}: give at least one NAMESPACE.KEY: VALUE")
        return None
    return Built({"values": values}, label)


def read_settings(r: Reader, node: yaml.Node, what: str, skip: tuple[str, ...] = ()) -> dict[str, str] | None:
    """``{"namespace.key": value}``, namespaces lowered, values as written."""
    pairs = r.pairs(node, what)
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for key_node, key, value in pairs:
        if key in skip:
            continue
        name = checked(r, key_node, what, names.setting_key, text=key)
        text = r.text(value, f"{what}.{key}", empty=True)
        if name is not None and text is not None:
            out[name] = text
    return out


def shell(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    if not isinstance(node, yaml.SequenceNode):
        c.r.fail(node, f"{what}: give an argument list, e.g. shell: [am, broadcast, -a, com.example.PING] "
                       "(a command line string is not accepted: each argument is quoted for the device)")
        return None
    argv = c.r.texts(node, what)
    if argv is None or len(argv) != len(node.value):
        return None
    if not argv:
        c.r.fail(node, f"{what}: the argument list is empty")
        return None
    return Built({"argv": tuple(value for _, value in argv)})


def checked(r: Reader, node: yaml.Node, what: str, check: Any, text: str | None = None) -> str | None:
    """``check(text of node)``, its ``ValueError`` reported at ``node``."""
    value = r.substitute(node, text, what) if text is not None else r.text(node, what)
    if value is None:
        return None
    try:
        return str(check(value))
    except ValueError as exc:
        r.fail(node, f"{what}: {exc}")
        return None


BUILDERS: dict[str, Builder] = {
    "idle": idle, "consentUi": consent_ui, "grant": permission_step, "revoke": permission_step,
    "appops": appops, "setting": setting, "shell": shell,
}
