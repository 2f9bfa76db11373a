"""What an app on the virtual phone may learn from the system, computed live from the phone's state.

The Android stubs read every piece of device state through ``android.vphone.SystemBridge``; on the
virtual phone SystemBridge asks the daemon, which answers with this snapshot for the calling
package: its permissions and app-op modes as ``pm``/``appops`` last set them, the settings, the
providers' rows, the identifiers of the profile.  Permission checks happen in the stubs, with
Android's rules, on this data.
"""

from __future__ import annotations

from typing import Any

from harness.virtual.profile.spec import PackageSpec
from harness.virtual.system.packages import install_permissions
from harness.virtual.system.state import PhoneState


def _rows(phone: PhoneState, uri: str, projection: str) -> list[dict[str, Any]]:
    columns, rows = phone.providers.query(uri, projection)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _contacts(phone: PhoneState) -> list[dict[str, Any]]:
    """One row per phone number (ContactsContract.CommonDataKinds.Phone), named by its contact."""
    names = {row["raw_contact_id"]: row["data1"] for row in _rows(
        phone, "content://com.android.contacts/data", "raw_contact_id:mimetype:data1")
        if row["mimetype"] == "vnd.android.cursor.item/name"}
    out = []
    for row in _rows(phone, "content://com.android.contacts/data", "_id:raw_contact_id:mimetype:data1:data2"):
        if row["mimetype"] == "vnd.android.cursor.item/phone_v2":
            out.append({"_id": row["_id"], "contact_id": row["raw_contact_id"], "number": row["data1"],
                        "display_name": names.get(row["raw_contact_id"]), "type": row["data2"]})
    return out


def app_snapshot(phone: PhoneState, spec: PackageSpec, pid: int) -> dict[str, Any]:
    profile = phone.profile
    ids = profile.identifiers
    build = profile.build
    grants = phone.permission_grants(spec.name)
    # install-time permissions (normal ones, and signature ones of platform apps) are always held;
    # runtime ones as `pm grant`/`pm revoke` last left them
    permissions = sorted({*install_permissions(spec), *(name for name, grant in grants.items() if grant.granted)})
    return {
        "package": spec.name,
        "uid": spec.uid,
        "pid": pid,
        "targetSdk": spec.target_sdk,
        "sdkInt": build.sdk,
        "identifiers": {
            "imei": ids.imei, "imsi": ids.imsi, "iccid": ids.iccid, "line1": ids.phone_number,
            "serial": ids.serial, "android_id": phone.get_setting("secure", "android_id") or ids.android_id,
            "adid": ids.advertising_id, "wifi_mac": ids.wifi_mac, "hw_mac": ids.wifi_mac,
        },
        "build": {"MODEL": build.model, "MANUFACTURER": build.manufacturer, "BRAND": build.brand,
                  "DEVICE": build.device, "PRODUCT": build.product, "FINGERPRINT": build.fingerprint,
                  "ID": build.build_id, "DISPLAY": phone.props.get("ro.build.display.id", build.build_id),
                  "HARDWARE": build.hardware, "BOARD": phone.props.get("ro.product.board", build.device),
                  "TYPE": build.type, "TAGS": build.tags, "VERSION.RELEASE": build.release,
                  "VERSION.SDK_INT": build.sdk, "VERSION.INCREMENTAL": build.incremental,
                  "VERSION.SECURITY_PATCH": build.security_patch},
        "permissions": permissions,
        "appops": {op.op: op.mode for op in phone.app_ops(spec.name) if op.mode},
        "settings": {ns: dict(phone.list_settings(ns)) for ns in ("system", "secure", "global")},
        "contacts": _contacts(phone),
        "sms": _rows(phone, "content://sms", "_id:thread_id:address:date:date_sent:read:seen:type:body"),
        "call_log": _rows(phone, "content://call_log/calls", "_id:number:date:duration:type:name"),
        "location": phone.location.app_view(),   # switch and providers, as `cmd location` left them
        "accounts": [],
        "packages": [{"packageName": p.name, "versionName": p.version_name, "versionCode": p.version_code,
                      "system": p.system} for p in phone.packages()],
    }
