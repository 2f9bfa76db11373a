"""``dumpsys``: package, window, activity, battery and display, in Android 14's layouts.

Only the parts clients parse are complete (permission sections, focus lines, viewport line,
battery fields); the rest of each dump is a faithful-looking subset.  ``dumpsys window windows``
has no ``mCurrentFocus`` line, as on Android 13/14; the full ``dumpsys window`` has it, and
``dumpsys activity top`` gives the ``ACTIVITY pkg/cls hash pid=N`` line adbutils falls back to.
"""

from __future__ import annotations

import datetime

from harness.virtual.profile.spec import PackageSpec
from harness.virtual.shell.tools._common import object_hash
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.packages import install_permissions
from harness.virtual.system.permissions import format_flags, permission

_SERVICES = ("activity", "battery", "display", "package", "power", "window")
DISPLAY_UNIQUE_ID = "local:4619827259835644672"


def _install_time(ctx: ToolContext, spec: PackageSpec) -> str:
    try:
        stamp = ctx.phone.device_path(spec.apk_path).stat().st_mtime
    except OSError:
        stamp = 0.0
    return datetime.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def _package(ctx: ToolContext, name: str) -> list[str]:
    spec = ctx.phone.package(name)
    if spec is None:
        return [f"Unable to find package: {name}"]
    lines: list[str] = []
    if spec.launcher_activity:
        component = f"{spec.name}/{spec.short_class(spec.launcher_activity)}"
        lines += ["Activity Resolver Table:", "  Non-Data Actions:", "      android.intent.action.MAIN:",
                  f"        {object_hash(component)} {component} filter {object_hash(component, 'filter')}",
                  '          Action: "android.intent.action.MAIN"',
                  '          Category: "android.intent.category.LAUNCHER"', ""]
    lines += ["Key Set Manager:", f"  [{spec.name}]", "      Signing KeySets: 53", ""]
    installed = _install_time(ctx, spec)
    flags = "[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]" if spec.system \
        else "[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]"
    lines += [
        "Packages:",
        f"  Package [{spec.name}] ({object_hash(spec.name, 'setting')}):",
        f"    appId={spec.uid}",
        f"    pkg=Package{{{object_hash(spec.name, 'pkg')} {spec.name}}}",
        f"    codePath={spec.code_path}",
        f"    resourcePath={spec.code_path}",
        f"    legacyNativeLibraryDir={spec.code_path}/lib",
        "    extractNativeLibs=false",
        f"    primaryCpuAbi={ctx.phone.profile.build.abi if not spec.system else 'null'}",
        "    secondaryCpuAbi=null",
        "    cpuAbiOverride=null",
        f"    versionCode={spec.version_code} minSdk={spec.min_sdk} targetSdk={spec.target_sdk}",
        "    minExtensionVersions=[]",
        f"    versionName={spec.version_name}",
        "    usesNonSdkApi=false",
        "    splits=[base]",
        "    apkSigningVersion=3",
        f"    flags={flags}",
        f"    dataDir=/data/user/0/{spec.name}",
        "    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]",
        f"    timeStamp={installed}",
        f"    lastUpdateTime={installed}",
        f"    installerPackageName={spec.installer or 'null'}",
        f"    signatures=PackageSignatures{{{object_hash(spec.name, 'sig')} version:3, signatures:"
        f"[{object_hash(spec.name, 'cert')}], past signatures:[]}}",
        f"    pkgFlags={flags}",
    ]
    if spec.permissions:
        lines.append("    requested permissions:")
        lines += [f"      {perm}" for perm in spec.permissions]
    grants = ctx.phone.permission_grants(spec.name)
    fixed = set(install_permissions(spec))
    install = [(p, True if p in fixed else grants[p].granted) for p in spec.permissions
               if p in fixed or (p in grants and not _is_runtime(p))]
    if install:
        lines.append("    install permissions:")
        lines += [f"      {perm}: granted={'true' if granted else 'false'}" for perm, granted in install]
    running = ctx.processes.is_running(spec.name)
    lines += [f"    User 0: ceDataInode={int(object_hash(spec.name, 'inode'), 16) % 100000} installed=true "
              f"hidden=false suspended=false distractionFlags=0 stopped={'false' if running else 'true'} "
              "notLaunched=false enabled=0 instant=false virtual=false quarantined=false",
              "      installReason=0",
              f"      dataDir=/data/user/0/{spec.name}",
              f"      firstInstallTime={installed}",
              "      uninstallReason=0"]
    if "android.permission.INTERNET" in spec.permissions:
        lines.append("      gids=[3003]")
    runtime = [grants[p] for p in spec.permissions if p in grants and _is_runtime(p)]
    if runtime:
        lines.append("      runtime permissions:")
        lines += [f"        {g.name}: granted={'true' if g.granted else 'false'}{format_flags(g.flags)}"
                  for g in runtime]
    return lines


def _is_runtime(name: str) -> bool:
    info = permission(name)
    return info is not None and info.is_runtime


def _task_id(package: str) -> int:
    return 1 if package.endswith("launcher3") else 20 + int(object_hash(package, "task"), 16) % 200


def _focus(ctx: ToolContext) -> tuple[str, str, str]:
    """(package, full activity class, short component) of what is in front."""
    package, activity = ctx.processes.foreground_activity()
    short = activity[len(package):] if activity.startswith(package + ".") else activity
    return package, activity, f"{package}/{short}"


def _record(ctx: ToolContext) -> str:
    package, _, component = _focus(ctx)
    return f"ActivityRecord{{{object_hash(component, 'record')} u0 {component} t{_task_id(package)}}}"


def _window(ctx: ToolContext, section: str | None) -> list[str]:
    package, activity, _ = _focus(ctx)
    focus = f"Window{{{object_hash(f'{package}/{activity}', 'window')} u0 {package}/{activity}}}"
    windows = ["WINDOW MANAGER WINDOWS (dumpsys window windows)"]
    for index, title in enumerate(("ScreenDecorOverlayBottom", "ScreenDecorOverlay", "NavigationBar0",
                                   "NotificationShade", "StatusBar", f"{package}/{activity}")):
        windows += [f"  Window #{index} Window{{{object_hash(title, 'window')} u0 {title}}}:",
                    f"    mDisplayId=0 rootTaskId={_task_id(package) if '/' in title else 1} "
                    f"mSession=Session{{{object_hash(title, 'session')} 0:1000}} mClient=android.os.BinderProxy@"
                    f"{object_hash(title, 'client')}"]
    if section == "windows":
        return windows
    width, height = ctx.phone.screen_size()
    density = ctx.phone.display_overrides()[1] or ctx.phone.profile.screen.density
    return [*windows, "",
            "WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)",
            "  Display: mDisplayId=0 (organized) rootTasks=3",
            f"    init={ctx.phone.profile.screen.width}x{ctx.phone.profile.screen.height} "
            f"{ctx.phone.profile.screen.density}dpi cur={width}x{height} {density}dpi app={width}x{height}",
            "    mLayoutSeq=512",
            f"  mCurrentFocus={focus}",
            f"  mFocusedApp={_record(ctx)}"]


def _activity(ctx: ToolContext, section: str | None) -> list[str]:
    package, _, component = _focus(ctx)
    pids = ctx.processes.pids(package)
    pid = pids[0] if pids else 0
    if section == "top":
        affinity = "null" if package == ctx.phone.profile.launcher_package else f"{_uid(ctx, package)}:{package}"
        return [f"TASK {affinity} id={_task_id(package)} userId=0",
                f"  ACTIVITY {component} {object_hash(component, 'activity')} pid={pid}",
                f"    Local Activity {object_hash(component, 'local')} State:",
                "      mResumed=true mStopped=false mFinished=false"]
    task = (f"Task{{{object_hash(package, 'task')} #{_task_id(package)} type="
            f"{'home' if package == ctx.phone.profile.launcher_package else 'standard'} A={_uid(ctx, package)}:"
            f"{package} U=0 visible=true visibleRequested=true mode=fullscreen translucent=false sz=1}}")
    return ["ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)",
            "Display #0 (activities from top to bottom):",
            f"  * {task}",
            f"    * Hist  #0: {_record(ctx)}",
            "",
            "  Resumed activities in task display areas (from top to bottom):",
            f"    Resumed: {_record(ctx)}",
            "",
            f"  ResumedActivity: {_record(ctx)}",
            f"  topDisplayFocusedRootTask={task}",
            f"  topResumedActivity={_record(ctx)}"]


def _uid(ctx: ToolContext, package: str) -> int:
    spec = ctx.phone.package(package)
    return spec.uid if spec else 0


def _battery() -> list[str]:
    return ["Current Battery Service state:", "  AC powered: false", "  USB powered: true",
            "  Wireless powered: false", "  Dock powered: false", "  Max charging current: 500000",
            "  Max charging voltage: 5000000", "  Charge counter: 2867000", "  status: 2", "  health: 2",
            "  present: true", "  level: 85", "  scale: 100", "  voltage: 4215", "  temperature: 280",
            "  technology: Li-ion"]


def _power() -> list[str]:
    """The screen is always on and awake (adbutils' is_screen_on looks for the suspend blocker)."""
    return ["POWER MANAGER (dumpsys power)", "", "Power Manager State:", "  Settings power manager:",
            "  mDirty=0x0", "  mWakefulness=Awake", "  mWakefulnessChanging=false", "  mIsPowered=true",
            "  mPlugType=2", "  mStayOn=false", "  mProximityPositive=false", "  mBootCompleted=true",
            "  mSystemReady=true", "  mHoldingWakeLockSuspendBlocker=false",
            "  mHoldingDisplaySuspendBlocker=true", "", "Display Power: state=ON"]


def _display(ctx: ToolContext) -> list[str]:
    screen = ctx.phone.profile.screen
    width, height = ctx.phone.screen_size()
    density = ctx.phone.display_overrides()[1] or screen.density
    viewport = (f"DisplayViewport{{type=INTERNAL, valid=true, isActive=true, displayId=0, "
                f"uniqueId='{DISPLAY_UNIQUE_ID}', physicalPort=0, orientation=0, logicalFrame=Rect(0, 0 - "
                f"{width}, {height}), physicalFrame=Rect(0, 0 - {screen.width}, {screen.height}), "
                f"deviceWidth={screen.width}, deviceHeight={screen.height}}}")
    return ["DISPLAY MANAGER (dumpsys display)", "  mOnlyCore=false", "  mSafeMode=false",
            f"  mViewports=[{viewport}]",
            f'  DisplayDeviceInfo{{"Built-in Screen": uniqueId="{DISPLAY_UNIQUE_ID}", {screen.width} x '
            f"{screen.height}, modeId 1, defaultModeId 1, density {density}, {density}.0 x {density}.0 dpi, "
            "touch INTERNAL, rotation 0, type INTERNAL, state ON}"]


def dumpsys(ctx: ToolContext, argv: list[str]) -> int:
    if argv[:1] == ["-l"]:
        ctx.out(("Currently running services:\n" + "".join(f"  {s}\n" for s in _SERVICES)).encode())
        return 0
    services = [argv[0]] if argv else list(_SERVICES)
    section = argv[1] if len(argv) > 1 else None
    for service in services:
        if service == "package":
            lines = _package(ctx, section) if section and section.count(".") else ["Packages:"] + [
                f"  Package [{p.name}] ({object_hash(p.name, 'setting')}):" for p in ctx.phone.packages()]
        elif service == "window":
            lines = _window(ctx, section)
        elif service == "activity":
            lines = _activity(ctx, section)
        elif service == "battery":
            lines = _battery()
        elif service == "display":
            lines = _display(ctx)
        elif service == "power":
            lines = _power()
        else:
            ctx.eprint(f"Can't find service: {service}")
            continue
        if not argv:
            lines = ["-" * 79, f"DUMP OF SERVICE {service}:", *lines]
        ctx.out(("\n".join(lines) + "\n").encode("utf-8"))
    return 0
