"""Read the package description out of a real APK's binary AndroidManifest.xml (Android's AXML).

Only what ``pm install`` needs: package name, version code and name, min/target SDK, requested
permissions and the launcher activity.  Attributes are recognised by name or, for manifests whose
attribute names were stripped, by their ``android:`` resource id.  Labels are usually resource
references that need resources.arsc, so the label falls back to the package name.
"""

from __future__ import annotations

import struct
from typing import Any

_XML = 0x0003
_STRING_POOL = 0x0001
_RESOURCE_MAP = 0x0180
_START_ELEMENT = 0x0102
_END_ELEMENT = 0x0103
_UTF8_FLAG = 1 << 8
_NO_STRING = 0xFFFFFFFF
_TYPE_STRING, _TYPE_INT_DEC, _TYPE_INT_HEX = 0x03, 0x10, 0x11
#: android:* attribute resource ids (android.R.attr).
_ATTRIBUTE_IDS = {0x01010003: "name", 0x01010001: "label", 0x0101021B: "versionCode",
                  0x0101021C: "versionName", 0x0101020C: "minSdkVersion", 0x01010270: "targetSdkVersion"}


class AxmlError(ValueError):
    """The bytes are not a binary XML document this reader understands."""


def _strings(data: bytes, offset: int) -> list[str]:
    _, header_size, _, count, _, flags, strings_start, _ = struct.unpack_from("<HHIIIIII", data, offset)
    utf8 = bool(flags & _UTF8_FLAG)
    base = offset + strings_start
    result = []
    for index in range(count):
        position = base + struct.unpack_from("<I", data, offset + header_size + 4 * index)[0]
        if utf8:
            position += 2 if data[position] & 0x80 else 1          # length in characters
            length = data[position]
            if length & 0x80:
                length = ((length & 0x7F) << 8) | data[position + 1]
                position += 1
            position += 1
            result.append(data[position:position + length].decode("utf-8", "replace"))
        else:
            length = struct.unpack_from("<H", data, position)[0]
            position += 2
            if length & 0x8000:
                length = ((length & 0x7FFF) << 16) | struct.unpack_from("<H", data, position)[0]
                position += 2
            result.append(data[position:position + 2 * length].decode("utf-16-le", "replace"))
    return result


def parse_manifest(data: bytes) -> dict[str, Any]:
    """A profile-style package description from binary manifest bytes; AxmlError if unreadable."""
    try:
        return _parse(data)
    except (struct.error, IndexError) as exc:
        raise AxmlError(f"truncated binary XML: {exc}") from None


def _parse(data: bytes) -> dict[str, Any]:
    if len(data) < 8 or struct.unpack_from("<H", data, 0)[0] != _XML:
        raise AxmlError("not a binary XML document")
    strings: list[str] = []
    resource_ids: list[int] = []
    stack: list[tuple[str, dict[str, Any]]] = []
    found: dict[str, Any] = {"permissions": []}
    activity: str | None = None
    filter_actions: set[str] = set()
    offset = struct.unpack_from("<H", data, 2)[0]
    while offset + 8 <= len(data):
        chunk_type, header_size, size = struct.unpack_from("<HHI", data, offset)
        if size < 8:
            raise AxmlError("corrupt chunk size")
        if chunk_type == _STRING_POOL:
            strings = _strings(data, offset)
        elif chunk_type == _RESOURCE_MAP:
            resource_ids = list(struct.unpack_from(f"<{(size - header_size) // 4}I", data, offset + header_size))
        elif chunk_type == _START_ELEMENT:
            name_index = struct.unpack_from("<I", data, offset + 20)[0]
            attr_start, attr_size, attr_count = struct.unpack_from("<HHH", data, offset + 24)
            attributes: dict[str, Any] = {}
            for index in range(attr_count):
                at = offset + 16 + attr_start + index * attr_size
                _, attr_name, raw, _, _, value_type, value = struct.unpack_from("<IIIHBBI", data, at)
                key = strings[attr_name] if attr_name < len(strings) else ""
                if not key and attr_name < len(resource_ids):
                    key = _ATTRIBUTE_IDS.get(resource_ids[attr_name], "")
                if raw != _NO_STRING:
                    attributes[key] = strings[raw]
                elif value_type == _TYPE_STRING:
                    attributes[key] = strings[value]
                elif value_type in (_TYPE_INT_DEC, _TYPE_INT_HEX):
                    attributes[key] = value
            tag = strings[name_index]
            parent = stack[-1][0] if stack else ""
            stack.append((tag, attributes))
            if tag == "manifest":
                found["name"] = attributes.get("package")
                found["version_code"] = attributes.get("versionCode")
                found["version_name"] = attributes.get("versionName")
            elif tag == "uses-sdk":
                found["min_sdk"] = attributes.get("minSdkVersion")
                found["target_sdk"] = attributes.get("targetSdkVersion")
            elif tag in ("uses-permission", "uses-permission-sdk-23") and attributes.get("name"):
                found["permissions"].append(attributes["name"])
            elif tag in ("activity", "activity-alias") and parent == "application":
                activity, filter_actions = attributes.get("name"), set()
            elif tag in ("action", "category") and parent == "intent-filter":
                filter_actions.add(str(attributes.get("name")))
        elif chunk_type == _END_ELEMENT and stack:
            tag, _ = stack.pop()
            launcher = {"android.intent.action.MAIN", "android.intent.category.LAUNCHER"}
            if tag == "intent-filter" and activity and launcher <= filter_actions and "launcher" not in found:
                found["launcher"] = activity
        offset += size
    if not isinstance(found.get("name"), str):
        raise AxmlError("no <manifest package=...>")
    return _description(found)


def _description(found: dict[str, Any]) -> dict[str, Any]:
    description: dict[str, Any] = {"name": found["name"], "label": found["name"],
                                   "permissions": list(dict.fromkeys(found["permissions"]))}
    for key in ("version_code", "min_sdk", "target_sdk"):
        if isinstance(found.get(key), int):
            description[key] = found[key]
    if isinstance(found.get("version_name"), str) and found["version_name"]:
        description["version_name"] = found["version_name"]
    launcher = found.get("launcher")
    if isinstance(launcher, str) and launcher:
        description["launcher"] = launcher if "." in launcher else "." + launcher
    return description
