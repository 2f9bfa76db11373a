"""The phone's CA stores and which of them an app trusts, by Android's rules.

- System store: ``/system/etc/security/cacerts``; from Android 14 (API 34) apps read the
  Conscrypt APEX's ``/apex/com.android.conscrypt/cacerts`` instead (read-only, updatable by Play;
  its presence, not the API level alone, is what tools check).  Files are certificates (PEM or
  DER) named ``<subject_hash_old>.0``.  The phone's internet CA is a system CA in every system
  store, so its apps reach the collectors over HTTPS.
- User store: ``/data/misc/user/0/cacerts-added``.  An app trusts it only if its network
  security config says ``<certificates src="user"/>`` (profile: ``app: {trust_anchors: [system,
  user]}``); with no config, apps targeting API 23 or lower trust it, newer ones do not.

An app process reads the folders it trusts when it starts (``android.vphone.PhoneNetwork``), so
a CA added over adb is trusted by app processes started afterwards, as on a phone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.errors import VirtualPhoneError
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.system.fs_access import APEX_CA_STORE, SYSTEM_CA_STORE, USER_CA_STORE

#: The first API level whose apps read the Conscrypt APEX's CA store.
APEX_STORE_SDK = 34
_LEGACY_USER_TRUST_SDK = 23


def system_stores(fs_root: Path, sdk: int) -> list[Path]:
    """Every system CA folder of a phone (the APEX one from API 34 on), created if missing."""
    stores = [fs_root / SYSTEM_CA_STORE.lstrip("/")]
    if sdk >= APEX_STORE_SDK:
        stores.append(fs_root / APEX_CA_STORE.lstrip("/"))
    for store in stores:
        store.mkdir(parents=True, exist_ok=True)
    return stores


def trusted_stores(fs_root: Path, sdk: int, spec: PackageSpec) -> list[Path]:
    """The CA folders ``spec``'s app trusts: the system store apps read, and the user store if its
    network security config (or its target SDK, without one) lets it."""
    apex = fs_root / APEX_CA_STORE.lstrip("/")
    system = apex if sdk >= APEX_STORE_SDK and apex.is_dir() else fs_root / SYSTEM_CA_STORE.lstrip("/")
    anchors = spec.app.get("trust_anchors")
    if anchors is None:
        anchors = ["system", "user"] if spec.target_sdk <= _LEGACY_USER_TRUST_SDK else ["system"]
    stores = [system] if "system" in anchors else []
    if "user" in anchors:
        stores.append(fs_root / USER_CA_STORE.lstrip("/"))
    return stores


def subject_hash_old(pem: Path) -> str:
    """``openssl x509 -subject_hash_old``: the name Android gives a CA file (without ``.0``)."""
    result = subprocess.run(["openssl", "x509", "-inform", "PEM", "-subject_hash_old", "-noout", "-in", str(pem)],
                            capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise VirtualPhoneError(f"cannot hash the CA {pem}: {result.stderr.strip()[-300:]}")
    return result.stdout.strip()


def install_system_ca(pem: Path, stores: list[Path]) -> str:
    """Put ``pem`` into each system store as ``<subject_hash_old>.0``; returns the file name."""
    name = f"{subject_hash_old(pem)}.0"
    data = pem.read_bytes()
    for store in stores:
        target = store / name
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    return name
