"""The phone's installed packages as the run's ``installed_apps`` canary (``harness.detect.applist``).

``read_installed_apps(device)`` runs ``pm list packages`` (one ``package:NAME`` line a package, in
PackageManager's order) and keeps, once each and in that order, the names the detector accepts
(``harness.detect.canaries.PACKAGE_NAME``: the framework's own one-word ``android`` is left out), at
most ``MAX_INSTALLED_APPS`` of them (the rest is left out with a warning: no phone has that many).
A command that fails raises ``CommandFailedError``; the caller decides (the run logs it and stores
its other canaries without the list).
"""

from __future__ import annotations

import logging

from harness.detect.canaries import MAX_INSTALLED_APPS, MAX_PACKAGE_CHARS, PACKAGE_NAME
from harness.device.apps import parse_package_list
from harness.device.shell import Shell
from harness.errors import CommandFailedError

log = logging.getLogger(__name__)

__all__ = ["installed_apps_from_list", "read_installed_apps"]

_TIMEOUT = 60.0   # a phone with a thousand packages answers in a second or two


def installed_apps_from_list(text: str, serial: str = "device") -> list[str]:
    """The package names of ``pm list packages`` output ``text`` (any of its options' formats), as
    ``read_installed_apps`` keeps them; ``serial`` names the device in the warnings."""
    names: dict[str, None] = {}
    skipped: list[str] = []
    for name, _path in parse_package_list(text):
        if len(name) > MAX_PACKAGE_CHARS or PACKAGE_NAME.fullmatch(name) is None:
            skipped.append(name)
        elif name not in names:
            if len(names) == MAX_INSTALLED_APPS:
                log.warning("%s: more than %d installed packages; the app list canary holds the first %d only",
                            serial, MAX_INSTALLED_APPS, MAX_INSTALLED_APPS)
                break
            names[name] = None
    if skipped:
        log.debug("%s: not searched for as installed apps: %s", serial, ", ".join(map(repr, skipped[:20])))
    return list(names)


def read_installed_apps(device: Shell) -> list[str]:
    """The packages installed on ``device`` (see the module docstring)."""
    result = device.shell(["pm", "list", "packages"], check=False, timeout=_TIMEOUT)
    if result.exit_code != 0:
        raise CommandFailedError(device.serial, result.command, result.exit_code, result.output)
    return installed_apps_from_list(result.stdout, device.serial)
