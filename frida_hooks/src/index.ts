/*
 * The harness's Frida agent.  RPC contract (the instrument layer's side is harness/instrument/):
 *   init(config)  config = {modules: string[], maxData?, flushMs?, flushCount?, flushBytes?, options?}
 *                 installs the selected modules; returns {hooked: string[], skipped: [{module, target,
 *                 reason}], pending: string[]} and posts {type: "harness:ready", hooked, skipped}.
 *                 Unknown module names throw.  Java modules run inside Java.perform: in a process
 *                 whose app class loader is not ready yet they are listed in `pending` and the
 *                 "harness:ready" message follows once they are installed.
 *                 With config.flow, batches are numbered and flow-controlled (flow.ts); the
 *                 report then has flow: true.
 *   flush()       sends everything queued now (as far as the flow window allows).
 *   quiesce()     stops recording and sends the backlog; "harness:drained" {seq} follows (flow.ts).
 *   catalogue()   [{name, description, targets: [{kind, cls?, method?, overloads?, module?, symbol?}]}]
 *   modules()     the names of the modules the agent implements (the catalogue's, in its order)
 *   stats()       counters of the native ring (events, waits, slow-path events) and of flow control.
 * Messages: "harness:batch" (events + binary payload), "harness:ready", "harness:skipped",
 * "harness:error" ({module, message}, at most once per hook), "harness:drained", and
 * "harness:crash" ({signal, type, address}) when a native process is about to die of a signal
 * (crash.ts).
 */
import Java from "frida-java-bridge";
import { CATALOGUE } from "./catalogue.js";
import { installCrashFlush } from "./crash.js";
import { READY, SKIPPED } from "./messages.js";
import { configure, flush, queuedEvents, reportError } from "./envelope.js";
import { flowStats, pump, quiesce, sendEverything, startFlow } from "./flow.js";
import { runtimeOptions } from "./java_util.js";
import { isHotSpot, settleJvmThread } from "./jvm_thread.js";
import accounts from "./modules/accounts.js";
import clipboard from "./modules/clipboard.js";
import contacts from "./modules/contacts.js";
import identifiers from "./modules/identifiers.js";
import location from "./modules/location.js";
import nativeNet, { drainRing, quiesceNative, ringStats } from "./modules/native_net.js";
import network from "./modules/network.js";
import packages from "./modules/packages.js";
import sms from "./modules/sms.js";
import type { HookModule, Skipped } from "./modules/types.js";

const MODULES: HookModule[] = [network, nativeNet, sms, contacts, identifiers, location, clipboard, accounts, packages];
/* catalogue.json is the one list of modules (the harness reads it too): the agent refuses to load if
   the modules it implements are not exactly those, in that order. */
const implemented = MODULES.map((m) => m.name).join(", ");
const catalogued = CATALOGUE.map((c) => c.name).join(", ");
if (implemented !== catalogued) {
  throw new Error(`the agent implements modules [${implemented}] but catalogue.json lists [${catalogued}]`);
}
const installedModules = new Set<string>();

interface InitConfig {
  modules: string[];
  maxData?: number;
  flushMs?: number;
  flushCount?: number;
  flushBytes?: number;
  flow?: { enabled?: boolean; windowBytes?: number; windowEvents?: number; waitMs?: number };
  options?: Record<string, unknown>;
}

interface Report {
  hooked: string[];
  skipped: Skipped[];
  pending: string[];
  flow?: boolean;
}


function installAll(mods: HookModule[], options: Record<string, unknown>, report: Report): void {
  for (const m of mods) {
    if (installedModules.has(m.name)) continue;
    installedModules.add(m.name);
    try {
      const r = m.install(options);
      report.hooked.push(...r.hooked);
      report.skipped.push(...r.skipped);
    } catch (e) {
      report.skipped.push({ module: m.name, target: "*", reason: `install failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}

function postReady(report: Report): void {
  if (report.skipped.length > 0) send({ type: SKIPPED, skipped: report.skipped });
  send({ type: READY, hooked: report.hooked, skipped: report.skipped, pending: report.pending });
}

/*
 * frida-java-bridge on HotSpot applies method replacements on the next tick of the JS loop, so
 * init() resolves only after that: when it returns, every hook is live.  Applying them leaves the
 * JS thread in a VM state that stops the app's next safepoint: settle it first (jvm_thread.ts).
 */
function init(config: InitConfig): Promise<Report> {
  const report = installNow(config);
  return new Promise((resolve) => setTimeout(() => {
    settle(report);
    postReady(report);
    resolve(report);
  }, 0));
}

function settle(report: Report): void {
  try {
    settleJvmThread();
  } catch (e) {
    report.skipped.push({ module: "java", target: "JS thread VM state", reason: String(e) });
  }
}

let jvmExitHooked = false;

/*
 * HotSpot: the JS thread is attached to the VM as a non-daemon thread, so when a program's main()
 * returns, DestroyJavaVM would wait for it forever while the agent is loaded.  When the main
 * thread enters DestroyJavaVM, flush and detach the JS thread so the program can exit.
 */
function releaseVmOnDestroy(): void {
  if (jvmExitHooked || !isHotSpot()) return;
  jvmExitHooked = true;
  const vm = Java.vm as unknown as { handle: NativePointer; detachCurrentThread(): void };
  const destroy = vm.handle.readPointer().add(3 * Process.pointerSize).readPointer();  // JNIInvokeInterface
  Interceptor.attach(destroy, {
    onEnter() {
      setTimeout(() => {
        try {
          sendEverything(() => {
            flush();
            drainRing();
          });
          vm.detachCurrentThread();
        } catch (_e) {
          // the VM is going away
        }
      }, 0);
    },
  });
}

function installNow(config: InitConfig): Report {
  const names = config.modules ?? [];
  const unknown = names.filter((n) => !MODULES.some((m) => m.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown hook module(s): ${unknown.join(", ")} (known: ${MODULES.map((m) => m.name).join(", ")})`);
  }
  configure({ maxData: config.maxData, flushMs: config.flushMs, flushCount: config.flushCount, flushBytes: config.flushBytes });
  startFlow({ ...(config.flow ?? {}) });
  const options: Record<string, unknown> = { ...(config.options ?? {}) };
  if (config.maxData !== undefined) options.maxData = config.maxData;
  runtimeOptions.appPackage = typeof options.appPackage === "string" ? options.appPackage : null;
  if (Array.isArray(options.sdkIgnore)) runtimeOptions.sdkIgnore = options.sdkIgnore.map(String);
  if (options.javaStacks === false) runtimeOptions.stacks = false;

  const selected = MODULES.filter((m) => names.includes(m.name));
  const report: Report = { hooked: [], skipped: [], pending: [], flow: config.flow?.enabled === true };
  installAll(selected.filter((m) => !m.java), options, report);
  if (!Java.available && options.crashFlush !== false) {
    try {
      installCrashFlush(() => {
        flush();
        drainRing();
      });
    } catch (e) {
      report.skipped.push({ module: "agent", target: "crash flush", reason: String(e) });
    }
  }
  const javaMods = selected.filter((m) => m.java && !installedModules.has(m.name));
  if (javaMods.length > 0 && !Java.available) {
    for (const m of javaMods) {
      installedModules.add(m.name);
      report.skipped.push({ module: m.name, target: "*", reason: "no Java VM in this process" });
    }
  } else if (javaMods.length > 0) {
    let returned = false;
    Java.perform(() => {
      installAll(javaMods, options, report);
      try {
        releaseVmOnDestroy();
      } catch (e) {
        report.skipped.push({ module: "java", target: "DestroyJavaVM", reason: String(e) });
      }
      if (returned) {
        // deferred: the app's class loader became ready after init() returned
        report.pending = [];
        setTimeout(() => {
          settle(report);
          postReady(report);
        }, 0);
      }
    });
    if (javaMods.some((m) => !installedModules.has(m.name))) {
      returned = true;
      const now: Report = { hooked: report.hooked.slice(), skipped: report.skipped.slice(), pending: javaMods.map((m) => m.name) };
      return now;
    }
  }
  return report;
}

rpc.exports = {
  init,
  flush(): void {
    pump();
  },
  /* stop recording; held = events recorded and not yet acknowledged (the harness's progress) */
  quiesce(): Record<string, number> {
    quiesceNative();
    const queued = queuedEvents();
    const flow = quiesce();
    const ring = ringStats();
    return { ...flow, held: (ring.records_held ?? 0) + queued + (flow.js_events ?? 0) };
  },
  catalogue() {
    return CATALOGUE;
  },
  modules(): string[] {
    return MODULES.map((m) => m.name);
  },
  /*
   * Called by frida when the script is unloaded, including when the process exits (frida's exit
   * monitor runs this before it flushes its transport, abort() included) and when the harness goes
   * away: the last events go out here.
   */
  dispose(): void {
    try {
      sendEverything(() => {
        flush();
        drainRing();
      });
    } catch (e) {
      reportError("agent", "dispose", e);
    }
  },
  stats(): Record<string, number> {
    return { modules: installedModules.size, ...ringStats(), ...flowStats() };
  },
};
