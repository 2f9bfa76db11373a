/*
 * Java-side helpers shared by the Java hook modules: installing hooks on every overload of a
 * method (several modules may observe the same method; one implementation dispatches to all),
 * a per-thread nesting guard so delegating overloads report once, stack capture, SDK attribution
 * and value conversion.  Hooks never throw into the app: every handler runs inside try/catch and
 * an internal failure is reported once per hook as "harness:error".
 */
import Java from "frida-java-bridge";
import { emit, reportError, type EventFields } from "./envelope.js";
import type { Skipped } from "./modules/types.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type JWrapper = any;

export interface JavaCall {
  cls: string;
  method: string;
  api: string;           // "android.telephony.SmsManager.sendTextMessage"
  self: JWrapper;        // the receiver (the class wrapper for static methods)
  args: any[];
  argTypes: string[];    // Java names of the overload's parameter types
  ret?: any;             // set for after()
}

export interface JavaHandler {
  module: string;
  /** Runs before the original method (egress: what is about to leave). */
  before?(call: JavaCall): void;
  /** Runs after the original returned (reads: what the API returned). */
  after?(call: JavaCall): void;
  /** Overloads whose nested calls of the same group are reported once (default: cls.method). */
  group?: string;
}

interface Installed {
  handlers: JavaHandler[];
}

const installed = new Map<string, Installed>();
const depth = new Map<string, number>();

export const runtimeOptions: { appPackage: string | null; sdkIgnore: string[]; maxStack: number; stacks: boolean } = {
  appPackage: null,
  sdkIgnore: [],
  maxStack: 24,
  stacks: true,
};

/** Packages that are the platform or a common library, never "the SDK" an event is attributed to. */
export const PLATFORM_PREFIXES = [
  "android.", "androidx.", "java.", "javax.", "kotlin.", "kotlinx.", "com.android.", "dalvik.", "libcore.",
  "sun.", "jdk.", "okhttp3.", "okio.", "com.squareup.okhttp.", "org.chromium.", "com.google.android.gms.",
  "org.json.", "org.apache.http.", "org.conscrypt.", "com.sun.", "org.jetbrains.", "org.w3c.", "org.xml.",
];

function groupEnter(key: string): boolean {
  const k = `${Process.getCurrentThreadId()}|${key}`;
  const d = depth.get(k) ?? 0;
  depth.set(k, d + 1);
  return d === 0;
}

function groupLeave(key: string): void {
  const k = `${Process.getCurrentThreadId()}|${key}`;
  const d = (depth.get(k) ?? 1) - 1;
  if (d <= 0) depth.delete(k);
  else depth.set(k, d);
}

/** Is a hook of `group` already running further up this thread's stack? (for cross-method dedupe) */
export function inGroup(key: string): boolean {
  return (depth.get(`${Process.getCurrentThreadId()}|${key}`) ?? 0) > 0;
}

/** Find a class in the default loader, or in any class loader that has it (bundled libraries). */
export function findClass(name: string): JWrapper | null {
  try {
    return Java.use(name);
  } catch (_e) {
    // try the other class loaders below
  }
  let found: JWrapper | null = null;
  try {
    for (const loader of Java.enumerateClassLoadersSync()) {
      try {
        loader.findClass(name);
        found = Java.ClassFactory.get(loader).use(name);
        break;
      } catch (_e) {
        // not in this loader
      }
    }
  } catch (_e) {
    // enumerating loaders is not supported on every VM
  }
  return found;
}

/**
 * Observe every overload of `cls.method` with `handler`.  Returns null when hooked, else the
 * reason it was skipped ("class not found", "method not found").
 */
export function hookJava(cls: string, method: string, handler: JavaHandler): string | null {
  const key = `${cls}.${method}`;
  const existing = installed.get(key);
  if (existing !== undefined) {
    existing.handlers.push(handler);
    return null;
  }
  const C = findClass(cls);
  if (C === null) return "class not found";
  const m = C[method];
  if (m === undefined || m === null || !Array.isArray(m.overloads) || m.overloads.length === 0) {
    return "method not found";
  }
  const entry: Installed = { handlers: [handler] };
  installed.set(key, entry);
  const api = key;
  for (const ov of m.overloads) {
    const argTypes: string[] = ov.argumentTypes.map((t: { className: string }) => t.className);
    ov.implementation = function (this: JWrapper, ...args: any[]): any {
      const groups = entry.handlers.map((h) => h.group ?? key);
      const uniq = [...new Set(groups)];
      const outerGroups = new Set(uniq.filter((g) => groupEnter(g)));
      const outer = groups.map((g) => outerGroups.has(g));
      const call: JavaCall = { cls, method, api, self: this, args, argTypes };
      try {
        entry.handlers.forEach((h, i) => {
          if (!outer[i] || h.before === undefined) return;
          try {
            h.before(call);
          } catch (e) {
            reportError(h.module, `${key} (before)`, e);
          }
        });
        const ret = ov.apply(this, args);
        call.ret = ret;
        entry.handlers.forEach((h, i) => {
          if (!outer[i] || h.after === undefined) return;
          try {
            h.after(call);
          } catch (e) {
            reportError(h.module, `${key} (after)`, e);
          }
        });
        return ret;
      } finally {
        uniq.forEach((g) => groupLeave(g));
      }
    };
  }
  return null;
}

/** Install one module's Java hooks from its catalogue targets; absent classes/methods are skipped. */
export function installJavaTargets(
  module: string,
  targets: { kind: string; cls?: string; method?: string }[],
  handlers: Record<string, JavaHandler | undefined>,
  hooked: string[],
  skipped: Skipped[],
): void {
  for (const t of targets) {
    if (t.kind !== "java" || t.cls === undefined || t.method === undefined) continue;
    const name = `${t.cls}.${t.method}`;
    const h = handlers[name];
    if (h === undefined) {
      skipped.push({ module, target: name, reason: "no handler in agent (bug)" });
      continue;
    }
    try {
      const reason = hookJava(t.cls, t.method, h);
      if (reason === null) hooked.push(name);
      else skipped.push({ module, target: name, reason });
    } catch (e) {
      skipped.push({ module, target: name, reason: `hook failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}

let threadClass: JWrapper | null = null;

/** The current Java stack as "class.method" frames, innermost first (hook/VM frames dropped). */
export function javaStack(): string[] {
  if (!runtimeOptions.stacks) return [];
  if (threadClass === null) threadClass = Java.use("java.lang.Thread");
  const elems = threadClass.currentThread().getStackTrace();
  const out: string[] = [];
  let started = false;
  for (let i = 0; i < elems.length && out.length < runtimeOptions.maxStack; i++) {
    const e = elems[i];
    const c: string = e.getClassName();
    const m: string = e.getMethodName();
    if (!started) {
      if ((c === "java.lang.Thread" && m === "getStackTrace") || c === "dalvik.system.VMStack") continue;
      started = true;
    }
    out.push(`${c}.${m}`);
  }
  return out;
}

/** The third-party package an event is attributed to: the first non-platform, non-app frame. */
export function attributeSdk(stack: string[]): string | null {
  const app = runtimeOptions.appPackage;
  for (const frame of stack) {
    const lastDot = frame.lastIndexOf(".");
    const cls = lastDot > 0 ? frame.substring(0, lastDot) : frame;
    const pkgEnd = cls.lastIndexOf(".");
    if (pkgEnd <= 0) continue;  // default package: the app's own test code
    const pkg = cls.substring(0, pkgEnd);
    if (PLATFORM_PREFIXES.some((p) => cls.startsWith(p))) continue;
    if (runtimeOptions.sdkIgnore.some((p) => cls.startsWith(p))) continue;
    if (app !== null && (pkg === app || pkg.startsWith(app + "."))) continue;
    return pkg.split(".").slice(0, 3).join(".");
  }
  return null;
}

/** emit() with the Java stack and SDK attribution filled in. */
export function emitJava(type: string, call: JavaCall, fields: Partial<EventFields>, data?: ArrayBuffer | null): void {
  let stack: string[] = [];
  try {
    stack = javaStack();
  } catch (e) {
    reportError("java", "stack capture", e);
  }
  emit(type, { api: call.api, stack, sdk: attributeSdk(stack), ...fields }, data);
}

/** A Java value as a JS string (null stays null). */
export function jstr(v: any): string | null {
  if (v === null || v === undefined) return null;
  try {
    return String(v.toString());
  } catch (_e) {
    return String(v);
  }
}

/** A Java byte[] (or a JS array of signed bytes) as an ArrayBuffer, optionally a slice. */
export function jbytes(arr: any, off = 0, len?: number): ArrayBuffer | null {
  if (arr === null || arr === undefined) return null;
  const n = len === undefined ? arr.length - off : len;
  const out = new Uint8Array(Math.max(0, n));
  for (let i = 0; i < n; i++) out[i] = arr[off + i] & 0xff;
  return out.buffer as ArrayBuffer;
}

export function utf8(s: string | null): ArrayBuffer | null {
  if (s === null) return null;
  const bytes: number[] = [];
  const enc = unescape(encodeURIComponent(s));
  for (let i = 0; i < enc.length; i++) bytes.push(enc.charCodeAt(i));
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

export function hex(bytes: ArrayBuffer | null, sep = ""): string | null {
  if (bytes === null) return null;
  return Array.from(new Uint8Array(bytes)).map((b) => b.toString(16).padStart(2, "0")).join(sep);
}

/** identityHashCode: a per-object key for state kept across calls on the same Java object. */
let systemClass: JWrapper | null = null;
export function identity(obj: JWrapper): number {
  if (systemClass === null) systemClass = Java.use("java.lang.System");
  return systemClass.identityHashCode(obj);
}

/** Parse "scheme://host:port/..." into a dest record. */
export function urlDest(url: string | null): { host: string | null; port: number | null; scheme: string | null; url: string | null } {
  if (url === null) return { host: null, port: null, scheme: null, url: null };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?/.exec(url);
  if (m === null) return { host: null, port: null, scheme: null, url };
  const scheme = m[1].toLowerCase();
  const port = m[3] !== undefined ? parseInt(m[3], 10) : scheme === "https" ? 443 : scheme === "http" ? 80 : null;
  return { host: m[2].replace(/^\[|\]$/g, ""), port, scheme, url };
}

const castCache = new Map<string, JWrapper>();

/** Re-wrap a Java object (returned as a supertype, e.g. Object) as its runtime class. */
export function asRuntime(obj: JWrapper): JWrapper {
  if (obj === null || obj === undefined) return obj;
  const name: string = obj.$className;
  let C = castCache.get(name);
  if (C === undefined) {
    C = findClass(name);
    if (C === null) return obj;
    castCache.set(name, C);
  }
  return Java.cast(obj, C);
}
