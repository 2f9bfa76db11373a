from __future__ import annotations

import os
import re

from harness.testing.virtual import ToolShell

MESSENGER = "com.example.messenger"


def test_am_start_launches_a_real_process(sh: ToolShell) -> None:
    result = sh(f"am start -n {MESSENGER}/.MainActivity")
    assert (result.status, result.stdout, result.err) == (0, f"Starting: Intent {{ cmp={MESSENGER}/.MainActivity }}\n",
                                                          b"")
    [pid] = sh.processes.pids(MESSENGER)
    os.kill(pid, 0)
    assert sh(f"pidof {MESSENGER}").stdout == f"{pid}\n"
    log = [(e.tag, e.message) for e in sh.phone.logbuffer.entries()]
    assert ("ActivityTaskManager", f"START u0 {{flg=0x10000000 cmp={MESSENGER}/.MainActivity}} with LAUNCH_MULTIPLE "
            "from uid 2000 (BAL_ALLOW_PERMISSION) result code=0") in log
    assert ("ActivityManager", f"Start proc {pid}:{MESSENGER}/u0a190 for next-top-activity "
            f"{{{MESSENGER}/{MESSENGER}.MainActivity}}") in log
    again = sh(f"am start -n {MESSENGER}/.MainActivity")
    assert again.stderr == ("Warning: Activity not started, intent has been delivered to currently running "
                            "top-most instance.\n")
    stop = sh(f"am force-stop {MESSENGER}")
    assert (stop.status, stop.out, stop.err) == (0, b"", b"")
    assert sh.processes.pids(MESSENGER) == []
    none = sh(f"pidof {MESSENGER}")
    assert (none.status, none.out) == (1, b"")


def test_am_start_wait_and_intent_fields(sh: ToolShell) -> None:
    result = sh(f"am start -W -a android.intent.action.MAIN -c android.intent.category.LAUNCHER "
                f"-n {MESSENGER}/.MainActivity")
    lines = result.stdout.splitlines()
    assert lines[0] == ("Starting: Intent { act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] "
                        f"cmp={MESSENGER}/.MainActivity }}")
    assert lines[1:4] == ["Status: ok", "LaunchState: COLD", f"Activity: {MESSENGER}/.MainActivity"]
    assert re.fullmatch(r"TotalTime: \d+", lines[4]) and re.fullmatch(r"WaitTime: \d+", lines[5])
    assert lines[6:] == ["Complete"] and result.err == b""
    sh("input keyevent KEYCODE_HOME")
    front = sh(f"am start -n {MESSENGER}/.MainActivity")
    assert front.stderr == "Warning: Activity not started, its current task has been brought to the front\n"
    assert sh.processes.foreground() == MESSENGER


def test_am_start_failures_exit_zero(sh: ToolShell) -> None:
    missing = sh(f"am start -n {MESSENGER}/.Nope")
    assert (missing.status, missing.stderr) == (
        0, f"Error type 3\nError: Activity class {{{MESSENGER}/{MESSENGER}.Nope}} does not exist.\n")
    unresolved = sh("am start -a com.example.NOTHING")
    assert (unresolved.status, unresolved.stdout) == (0, "Starting: Intent { act=com.example.NOTHING }\n")
    assert unresolved.stderr == ("Error: Activity not started, unable to resolve Intent { act=com.example.NOTHING "
                                 "flg=0x10000000 }\n")
    with_wait = sh(f"am start -W -n {MESSENGER}/.Nope")
    assert with_wait.err == b"" and "Error type 3" in with_wait.stdout
    assert sh("am bogus").stdout == "Unknown command: bogus\n"
    assert sh("am force-stop com.nope").status == 0


def test_monkey(sh: ToolShell) -> None:
    result = sh("monkey -p com.example.weather -c android.intent.category.LAUNCHER 1")
    assert result.status == 0 and result.stdout.startswith("Events injected: 1\n## Network stats: elapsed time=")
    assert sh.processes.foreground() == "com.example.weather"
    nothing = sh("monkey -p com.android.phone -c android.intent.category.LAUNCHER 1")
    assert nothing.status == 252 and "** No activities found to run, monkey aborted.\n" in nothing.stderr


def test_dumpsys_focus(sh: ToolShell) -> None:
    home = sh("dumpsys window").stdout
    assert "  mCurrentFocus=Window{" in home and " u0 com.android.launcher3/com.android.launcher3.Launcher}" in home
    sh(f"am start -n {MESSENGER}/.MainActivity")
    window = sh("dumpsys window").stdout
    assert re.search(rf"^  mCurrentFocus=Window\{{[0-9a-f]+ u0 {MESSENGER}/{MESSENGER}\.MainActivity\}}$", window,
                     re.MULTILINE)
    assert re.search(rf"^  mFocusedApp=ActivityRecord\{{[0-9a-f]+ u0 {MESSENGER}/\.MainActivity t\d+\}}$", window,
                     re.MULTILINE)
    assert "mCurrentFocus" not in sh("dumpsys window windows").stdout
    [pid] = sh.processes.pids(MESSENGER)
    top = sh("dumpsys activity top").stdout
    assert re.search(rf"^  ACTIVITY {MESSENGER}/\.MainActivity [0-9a-f]+ pid={pid}$", top, re.MULTILINE)
    assert "ResumedActivity: ActivityRecord{" in sh("dumpsys activity activities").stdout


def test_dumpsys_battery_and_display(sh: ToolShell) -> None:
    battery = sh("dumpsys battery").stdout.splitlines()
    assert battery[:4] == ["Current Battery Service state:", "  AC powered: false", "  USB powered: true",
                           "  Wireless powered: false"]
    assert "  level: 85" in battery and battery[-1] == "  technology: Li-ion"
    display = sh("dumpsys display").stdout
    assert re.search(r"mViewports=\[DisplayViewport\{type=INTERNAL, valid=true, isActive=true, displayId=0, "
                     r"uniqueId='local:\d+', physicalPort=0, orientation=0, logicalFrame=Rect\(0, 0 - 1080, 2400\)",
                     display)
    assert sh("dumpsys nosuch").stderr == "Can't find service: nosuch\n"


def test_ps(sh: ToolShell) -> None:
    pid = sh.processes.start(MESSENGER)
    lines = sh("ps -A").stdout.splitlines()
    assert lines[0] == "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME"
    init = next(line for line in lines if line.endswith(" init"))
    assert init.startswith("root             1     0 ")
    app = next(line for line in lines if line.endswith(f" {MESSENGER}"))
    assert re.match(rf"u0_a190 +{pid} +742 ", app)
    assert [line.split()[-1] for line in sh(f"ps -A {MESSENGER}").stdout.splitlines()[1:]] == [MESSENGER]
    own = sh("ps").stdout.splitlines()
    assert len(own) == 3 and own[1].endswith(" sh")


def test_power_and_ifconfig(sh: ToolShell) -> None:
    assert "mHoldingDisplaySuspendBlocker=true" in sh("dumpsys power").stdout
    wlan = sh("ifconfig wlan0").stdout
    assert "HWaddr f4:f5:e8:2a:91:3c" in wlan and re.search(r"inet addr:192\.168\.1\.\d+ ", wlan)
    assert sh("ifconfig eth9").status == 1
