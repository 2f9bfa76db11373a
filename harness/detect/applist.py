"""The installed-app list as a data type: when a layer names enough of the phone's packages.

One package name in a request is no leak: apps name their own package (a User-Agent, a referrer),
the store that installed them (``com.android.vending``), the WebView or Play services version they
run on, or an app they link to.  What telemetry of the app list looks like is a layer naming many
of the phone's packages at once: the whole list (``getInstalledPackages``), its user-installed
part, the launcher's apps, or the installed subset of a long list of apps an SDK probes for.

So the canary file's ``installed_apps`` are searched together (one pattern each, plain: in the
matcher's single pass) and a layer becomes one ``installed_apps`` finding, whose canary is
``APP_LIST_LABEL`` whatever names it held, when it names ``app_list_threshold`` distinct ones
(``is_app_list``).  A name counts only standing alone (``package_bounded``): not inside a longer
package or class name (``com.a.b`` in ``com.a.bc``, ``xcom.a.b`` or ``com.a.b.MainActivity``).
"""

from __future__ import annotations

import math
from collections.abc import Collection

#: The finding's canary value: the same for every layer and event, so a list found in several
#: layers of one place is reported once (as the most direct route, like any canary).
APP_LIST_LABEL = "installed app list"

#: A layer is an app list when it names at least ``APP_LIST_MIN_PACKAGES`` distinct installed
#: packages *and* at least ``APP_LIST_MIN_SHARE`` of the installed list, the sending app's own
#: package left out of both counts (apps legitimately name themselves).  Why these numbers:
#: one or two names are what legitimate traffic carries (the app's installer, the WebView or Play
#: services it runs on, a link to another app), so 3 is the least that is a list; on a real phone
#: (300-500 packages, most of them system and vendor packages such as com.android.vending or
#: com.google.android.gms, which an SDK may well name together) 3 is under 1% of the list, so the
#: share raises the bar to 6-10 names there, still well under what any real upload sends (the
#: user's own apps alone are 50-150; an Android 11+ app that can only see the packages its
#: ``<queries>`` name still reports a dozen or more).  On a small phone (the virtual phone's ten
#: others) the count decides.
APP_LIST_MIN_PACKAGES = 3
APP_LIST_MIN_SHARE = 0.02

#: Bytes that can be part of a package name ('.' included: ``com.a.b.c`` or ``com.a.b.Main`` is
#: another name, or a class, not ``com.a.b``).
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def package_bounded(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` stands alone: no package-name byte right before or after it."""
    return (start == 0 or data[start - 1] not in _NAME_BYTES) and (end >= len(data) or data[end] not in _NAME_BYTES)


def app_list_threshold(installed: int) -> int:
    """Distinct installed packages (the sender's own not counted) a layer must name to be an app
    list, on a phone with ``installed`` packages besides the sender."""
    return max(APP_LIST_MIN_PACKAGES, math.ceil(APP_LIST_MIN_SHARE * installed))


def own_package(process: str | None) -> str | None:
    """The package of the process that sent (``com.a.b:remote`` -> ``com.a.b``), None if unknown."""
    return process.split(":", 1)[0] if process else None


def is_app_list(found: Collection[str], installed: Collection[str], own: str | None) -> bool:
    """Whether a layer naming the installed packages ``found`` is an app list when ``own`` sent it."""
    count = len(found) - (own in found)
    if count < APP_LIST_MIN_PACKAGES:  # nearly always: decided without counting the list
        return False
    return count >= app_list_threshold(len(installed) - (own in installed))
