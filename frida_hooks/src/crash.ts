/*
 * A native process about to die of a signal: send what the agent holds, then a "harness:crash"
 * report, and wait (briefly) for the harness to confirm it has them; frida does not flush a dying
 * process's messages by itself, so without this the last events before a crash were lost.
 *
 * Only in processes without a Java VM: ART and HotSpot raise SIGSEGV on purpose all the time
 * (implicit null checks, safepoint polls, stack banging) and handle it themselves, so a handler
 * there would run on every one of those and cannot tell a fatal one.  In a JVM the harness sees a
 * crash only as frida's detach reason.
 */
import { sendEverything, waitForCrashAck } from "./flow.js";
import { CRASH } from "./messages.js";

/* frida's exception types on Linux/Android and the signals that raise them */
const SIGNALS: Record<string, string> = {
  "abort": "SIGABRT",
  "access-violation": "SIGSEGV",   // or SIGBUS: frida reports both as access-violation
  "guard-page": "SIGSEGV",
  "illegal-instruction": "SIGILL",
  "arithmetic": "SIGFPE",
  "breakpoint": "SIGTRAP",
  "single-step": "SIGTRAP",
  "system": "SIGSYS",
};

const ACK_WAIT_MS = 2000;

export function installCrashFlush(flushAll: () => void): void {
  Process.setExceptionHandler((details) => {
    try {
      sendEverything(flushAll);
      send({
        type: CRASH,
        signal: SIGNALS[details.type] ?? null,
        exception: details.type,
        address: details.address.toString(),
        thread: Process.getCurrentThreadId(),
      });
      waitForCrashAck(ACK_WAIT_MS);
    } catch (_e) {
      // the process is dying; nothing more can be done
    }
    return false;   // not handled: the process goes on to crash as it would have
  });
}
