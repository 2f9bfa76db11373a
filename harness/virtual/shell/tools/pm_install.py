"""``pm install PATH`` and ``pm uninstall PKG``.

An APK is described by its ``harness-package.json`` or, for real APKs, its binary manifest (see
``harness.virtual.system.packages``); anything else fails with ``INSTALL_PARSE_FAILED_NOT_APK``, the
code Android gives a file it cannot parse.  Installed apps are third-party apps whatever the
description says, with an Android-11+ ``/data/app/~~...==/<pkg>-...==/base.apk`` path.
Failure detail texts are modelled on PackageManagerService's but marked [U] in the reference.
"""

from __future__ import annotations

import dataclasses

from harness.errors import ProfileError, VirtualPhoneError
from harness.virtual.profile.fields import FieldReader
from harness.virtual.profile.load import parse_package
from harness.virtual.profile.spec import PackageSpec, third_party_apk_path
from harness.virtual.shell.tools._common import Args
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.packages import InstallError, next_app_uid, read_package_description

_VALUE_OPTIONS = {"--user", "-i", "--installer", "--install-reason", "-S", "--abi", "--originating-uri",
                  "--referrer", "-p", "--pkg", "--install-location", "--force-uuid", "--apex", "--session"}


def _read_apk(ctx: ToolContext, path: str) -> bytes | None:
    try:
        return ctx.phone.device_path(path, ctx.cwd).read_bytes()
    except (VirtualPhoneError, OSError):
        ctx.eprint(f"Error: Unable to open file: {path}")
        if not path.startswith("/data/local/tmp/"):
            ctx.eprint("Consider using a file under /data/local/tmp/")
        return None


def _read_stdin(ctx: ToolContext, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = ctx.stdin(min(1 << 20, size - len(data)))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _spec_from(ctx: ToolContext, data: bytes, path: str) -> PackageSpec:
    description = read_package_description(data, path)
    name = description.get("name")
    existing = ctx.phone.package(name) if isinstance(name, str) else None
    uid = existing.uid if existing else next_app_uid(ctx.phone.all_uids())
    fields = {**description, "system": False, "uid": uid,
              "apk": third_party_apk_path(name) if isinstance(name, str) else None}
    fields.pop("privileged", None)
    try:
        spec = parse_package(fields, FieldReader(f"{path}!harness-package.json"), uid)
    except ProfileError as exc:
        raise InstallError("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED", str(exc)) from None
    return spec


def _check(ctx: ToolContext, spec: PackageSpec, allow_downgrade: bool) -> None:
    sdk = ctx.phone.profile.build.sdk
    if spec.min_sdk > sdk:
        raise InstallError("INSTALL_FAILED_OLDER_SDK",
                           f"Failed parse during installPackageLI: /data/app/vmdl.tmp/base.apk (at Binary XML "
                           f"file line #7): Requires newer sdk version #{spec.min_sdk} (current version is #{sdk})")
    if sdk >= 34 and spec.target_sdk < 23:
        raise InstallError("INSTALL_FAILED_DEPRECATED_SDK_VERSION",
                           f"App package must target at least SDK version 23, but found {spec.target_sdk}")
    existing = ctx.phone.package(spec.name)
    if existing is None:
        return
    if existing.system:
        raise InstallError("INSTALL_FAILED_UPDATE_INCOMPATIBLE",
                           f"Existing package {spec.name} signatures do not match newer version; ignoring!")
    if spec.version_code < existing.version_code and not allow_downgrade:
        raise InstallError("INSTALL_FAILED_VERSION_DOWNGRADE",
                           f"Downgrade detected: Update version code {spec.version_code} is older than "
                           f"current {existing.version_code}")


def install(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    allow_downgrade = grant_all = False
    installer: str | None = None
    streamed_size: int | None = None
    while (option := args.next_option()) is not None:
        if option in _VALUE_OPTIONS:
            value = args.next()
            if option in ("-i", "--installer"):
                installer = value
            elif option == "-S" and value is not None and value.isdigit():
                streamed_size = int(value)
        elif option == "-d":
            allow_downgrade = True
        elif option == "-g":
            grant_all = True
    path = args.next()
    if streamed_size is not None and path in (None, "-"):
        # `adb install` streams the APK on stdin: `cmd package install -S SIZE`
        path = "-"
        data: bytes | None = _read_stdin(ctx, streamed_size)
        if data is None:
            ctx.print("Failure [INSTALL_FAILED_INVALID_APK: Short read of the streamed APK]")
            return 1
    elif path is None:
        ctx.eprint("Error: must either specify a package size or an APK file")
        return 1
    else:
        data = _read_apk(ctx, path)
    if data is None:
        return 1
    try:
        spec = _spec_from(ctx, data, path)
        _check(ctx, spec, allow_downgrade)
    except InstallError as exc:
        ctx.print(exc.pm_message)
        return 1
    if installer is not None:
        spec = dataclasses.replace(spec, installer=installer)
    elif spec.installer == "com.android.vending":
        spec = dataclasses.replace(spec, installer=None)   # `adb install` records no installer
    if ctx.processes.is_running(spec.name):
        ctx.processes.stop(spec.name, reason=f"stop {spec.name} due to installPackageLI")
    ctx.phone.install_package(spec, data, grant_all_runtime=grant_all)
    ctx.phone.log("I", "PackageManager", f"installPackageLI: {spec.name} uid={spec.uid} path={spec.code_path}",
                  buffer="system")
    ctx.print("Success")
    return 0


def uninstall(ctx: ToolContext, argv: list[str]) -> int:
    args = Args(argv)
    keep_data = user_only = False
    while (option := args.next_option()) is not None:
        if option == "-k":
            keep_data = True
        elif option == "--user":
            args.next()
            user_only = True
        elif option == "--versionCode":
            args.next()
    name = args.next()
    if name is None:
        ctx.eprint("Error: package name not specified")
        return 1
    spec = ctx.phone.package(name)
    if spec is None:
        ctx.print("Failure [not installed for 0]")
        return 1
    if spec.system and not user_only:
        ctx.print("Failure [DELETE_FAILED_INTERNAL_ERROR]")
        return 1
    ctx.processes.stop(name, reason=f"stop {name} due to uninstall pkg")
    if spec.system:
        ctx.phone.hide_package(name)
    else:
        ctx.phone.uninstall_package(name, keep_data=keep_data)
    ctx.phone.log("I", "PackageManager", f"Package {name} removed for user 0", buffer="system")
    ctx.print("Success")
    return 0
