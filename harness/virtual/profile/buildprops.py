"""The system properties a profile implies, mutually consistent as on a real build.

Android derives many properties from the same few build facts (``ro.build.fingerprint`` repeats
brand, product, device, release, id, incremental, type and tags; each partition repeats the
product fields).  Detectors and apps read different ones, so they must all agree.
"""

from __future__ import annotations

import datetime

from harness.virtual.profile.spec import Profile

_PARTITIONS = ("system", "vendor", "product", "system_ext", "odm", "bootimage")


def build_properties(profile: Profile) -> dict[str, str]:
    b, ids = profile.build, profile.identifiers
    description = f"{b.product}-{b.type} {b.release} {b.build_id} {b.incremental} {b.tags}"
    built = datetime.datetime.strptime(b.security_patch, "%Y-%m-%d").replace(tzinfo=datetime.UTC)
    build_date = built - datetime.timedelta(days=12)
    abilist = {"arm64-v8a": "arm64-v8a,armeabi-v7a,armeabi", "x86_64": "x86_64,x86",
               "armeabi-v7a": "armeabi-v7a,armeabi", "x86": "x86"}.get(b.abi, b.abi)
    debuggable = "0" if b.type == "user" else "1"
    props: dict[str, str] = {
        "ro.build.fingerprint": b.fingerprint,
        "ro.build.id": b.build_id,
        "ro.build.display.id": b.build_id if b.type == "user" else description,
        "ro.build.description": description,
        "ro.build.flavor": f"{b.product}-{b.type}",
        "ro.build.product": b.device,
        "ro.build.type": b.type,
        "ro.build.tags": b.tags,
        "ro.build.user": "android-build",
        "ro.build.host": "abfarm-release-2004-0138",
        "ro.build.date": build_date.strftime("%a %b %d %H:%M:%S UTC %Y"),
        "ro.build.date.utc": str(int(build_date.timestamp())),
        "ro.build.version.release": b.release,
        "ro.build.version.release_or_codename": b.release,
        "ro.build.version.sdk": str(b.sdk),
        "ro.build.version.codename": "REL",
        "ro.build.version.incremental": b.incremental,
        "ro.build.version.security_patch": b.security_patch,
        "ro.build.version.base_os": "",
        "ro.build.version.min_supported_target_sdk": "23" if b.sdk >= 34 else "17",
        "ro.product.brand": b.brand,
        "ro.product.manufacturer": b.manufacturer,
        "ro.product.model": b.model,
        "ro.product.name": b.product,
        "ro.product.device": b.device,
        "ro.product.board": b.hardware,
        "ro.product.cpu.abi": b.abi,
        "ro.product.cpu.abilist": abilist,
        "ro.product.locale": "en-US",
        "ro.product.first_api_level": "33" if b.sdk >= 33 else str(b.sdk),
        "ro.hardware": b.hardware,
        "ro.boot.hardware": b.hardware,
        "ro.serialno": ids.serial,
        "ro.boot.serialno": ids.serial,
        "ro.debuggable": debuggable,
        "ro.secure": "0" if b.type == "eng" else "1",
        "ro.adb.secure": "1",
        "ro.boot.verifiedbootstate": "green" if b.type == "user" else "orange",
        "ro.boot.flash.locked": "1" if b.type == "user" else "0",
        "ro.crypto.state": "encrypted",
        "ro.zygote": "zygote64_32" if b.abi == "arm64-v8a" else "zygote64",
        "ro.sf.lcd_density": str(profile.screen.density),
        "ro.vendor.build.security_patch": b.security_patch,
        "ro.treble.enabled": "true",
        "ro.setupwizard.mode": "OPTIONAL",
        "persist.sys.timezone": "Etc/UTC",
        "persist.sys.usb.config": "adb",
        "sys.usb.state": "adb",
        "sys.boot_completed": "1",
        "dev.bootcomplete": "1",
        "init.svc.adbd": "running",
        "service.adb.root": "0",
        "gsm.sim.state": "LOADED",
        "gsm.sim.operator.numeric": ids.imsi[:6],
        "gsm.operator.numeric": ids.imsi[:6],
        "gsm.sim.operator.iso-country": "us",
        "gsm.operator.iso-country": "us",
        "gsm.sim.operator.alpha": "T-Mobile",
        "gsm.operator.alpha": "T-Mobile",
        "gsm.network.type": "LTE",
        "gsm.version.baseband": f"g5300q-230626-231102-B-{b.incremental}",
        "wifi.interface": "wlan0",
        "net.bt.name": "Android",
    }
    for partition in _PARTITIONS:
        props[f"ro.{partition}.build.fingerprint"] = b.fingerprint
        props[f"ro.{partition}.build.id"] = b.build_id
        props[f"ro.{partition}.build.type"] = b.type
        props[f"ro.{partition}.build.tags"] = b.tags
        props[f"ro.{partition}.build.version.release"] = b.release
        props[f"ro.{partition}.build.version.sdk"] = str(b.sdk)
        props[f"ro.{partition}.build.version.incremental"] = b.incremental
        if partition != "bootimage":
            props[f"ro.product.{partition}.brand"] = b.brand
            props[f"ro.product.{partition}.device"] = b.device
            props[f"ro.product.{partition}.manufacturer"] = b.manufacturer
            props[f"ro.product.{partition}.model"] = b.model
            props[f"ro.product.{partition}.name"] = b.product
    props.update(b.extra_props)
    return props


def build_prop_text(props: dict[str, str]) -> str:
    """``/system/build.prop``: the ro.build/ro.product/ro.system properties, as key=value lines."""
    lines = ["", "# begin common build properties", "# autogenerated by the virtual phone"]
    lines += [f"{k}={v}" for k, v in sorted(props.items())
              if k.startswith(("ro.build.", "ro.product.", "ro.system."))]
    lines.append("# end common build properties")
    return "\n".join(lines) + "\n"
