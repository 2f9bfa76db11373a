"""Where the virtual phone is, as its LocationManagerService knows it: the switch and test providers.

The master switch is the secure setting ``location_mode``: ``cmd location set-location-enabled``
writes 3 or 0, as Android's SettingsHelper does, so ``settings put secure location_mode 0`` turns
location off too.  The platform providers (gps, network, fused, passive) report the phone's
real whereabouts (``REAL_WHEREABOUTS``) until a test provider replaces one.  A test provider starts
disabled, as Android's MockLocationProvider starts disallowed, and has no location until one is
set; every location a test provider gets also reaches the passive provider.  Turning location off
clears those locations (LocationProviderManager drops its last locations when disabled).  Test
providers live in memory: like Android, a reboot (a daemon restart) forgets them.

``app_view`` is what an app's LocationManager sees.  It is part of the snapshot the binder serves,
so a change reaches running apps live, as permission changes do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: LocationManager's platform providers, present on every phone.
PLATFORM_PROVIDERS = ("passive", "network", "fused", "gps")
PASSIVE_PROVIDER = "passive"
#: Settings.Secure.LOCATION_MODE values: Android 9+ writes HIGH_ACCURACY (3) for "on".
LOCATION_MODE_ON, LOCATION_MODE_OFF = "3", "0"


@dataclass(frozen=True)
class Fix:
    """One location as android.location.Location carries it."""

    latitude: float
    longitude: float
    accuracy: float
    time_ms: int
    mock: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"latitude": self.latitude, "longitude": self.longitude, "accuracy": self.accuracy,
                "time": self.time_ms, "mock": self.mock}


#: Where the phone really is (its GNSS and network location agree): Dublin, as the profiles' SIMs.
REAL_WHEREABOUTS = Fix(latitude=53.3438, longitude=-6.2546, accuracy=8.0, time_ms=0)


class ProviderError(ValueError):
    """What LocationManagerService throws as IllegalArgumentException; the text is Android's."""


@dataclass
class _TestProvider:
    enabled: bool = False
    fix: Fix | None = None


class LocationService:
    """The location switch (through the settings store) and the test providers of one phone."""

    def __init__(self, read_mode: Callable[[], str | None], write_mode: Callable[[str], None]) -> None:
        self._read_mode = read_mode
        self._write_mode = write_mode
        self._lock = threading.Lock()
        self._test_providers: dict[str, _TestProvider] = {}
        self._passive_fix: tuple[str, Fix] | None = None   # (the test provider it came from, its fix)

    # --- the master switch ----------------------------------------------------------------------

    def enabled(self) -> bool:
        """SettingsHelper.isLocationEnabled: location_mode != OFF (unreadable values count as OFF)."""
        mode = self._read_mode()
        try:
            return mode is not None and int(mode) != int(LOCATION_MODE_OFF)
        except ValueError:
            return False

    def set_enabled(self, enabled: bool) -> None:
        self._write_mode(LOCATION_MODE_ON if enabled else LOCATION_MODE_OFF)
        if not enabled:
            with self._lock:
                for provider in self._test_providers.values():
                    provider.fix = None
                self._passive_fix = None

    # --- test providers ---------------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        with self._lock:
            return name in PLATFORM_PROVIDERS or name in self._test_providers

    def add_test_provider(self, name: str) -> None:
        """Android 12+: adding replaces any test provider of that name, disabled again."""
        with self._lock:
            previous = self._test_providers.get(name)
            self._test_providers[name] = _TestProvider(fix=previous.fix if previous else None)

    def remove_test_provider(self, name: str) -> None:
        """Silent when there is none; the provider's mock locations go with it."""
        with self._lock:
            self._test_providers.pop(name, None)
            if self._passive_fix is not None and self._passive_fix[0] == name:
                self._passive_fix = None

    def _test_provider(self, name: str) -> _TestProvider:
        provider = self._test_providers.get(name)
        if provider is None:
            if name in PLATFORM_PROVIDERS:
                raise ProviderError(f"{name} provider is not a test provider")
            raise ProviderError(f"provider doesn't exist: {name}")
        return provider

    def set_test_provider_enabled(self, name: str, enabled: bool) -> None:
        with self._lock:
            self._test_provider(name).enabled = enabled

    def set_test_provider_location(self, name: str, fix: Fix) -> None:
        with self._lock:
            self._test_provider(name).fix = fix
            self._passive_fix = (name, fix)

    # --- what apps see ------------------------------------------------------------------------------

    def app_view(self) -> dict[str, Any]:
        """``{"enabled": bool, "providers": {name: {"enabled": bool, "fix": {...} | None}}}``."""
        enabled = self.enabled()
        now_ms = int(time.time() * 1000)
        real = Fix(REAL_WHEREABOUTS.latitude, REAL_WHEREABOUTS.longitude, REAL_WHEREABOUTS.accuracy, now_ms)
        providers: dict[str, Any] = {}
        with self._lock:
            for name in (*PLATFORM_PROVIDERS, *sorted(set(self._test_providers) - set(PLATFORM_PROVIDERS))):
                test = self._test_providers.get(name)
                if test is not None:
                    on, fix = test.enabled, test.fix
                elif name == PASSIVE_PROVIDER and self._passive_fix is not None:
                    on, fix = True, self._passive_fix[1]
                else:
                    on, fix = True, real
                providers[name] = {"enabled": enabled and on, "fix": fix.as_json() if enabled and fix else None}
        return {"enabled": enabled, "providers": providers}
