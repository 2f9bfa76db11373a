/*
 * native_net: libc socket egress through a CModule ring (see native_ring.ts), getaddrinfo, and
 * TLS plaintext at SSL_write/SSL_write_ex (SSL_read/SSL_read_ex with options.tlsReads) in every
 * module exporting them, including modules loaded after the agent (module observer).
 */
import { config as envConfig, emit, flush, reportError, sendBatch } from "../envelope.js";
import { addPump, flowConfig } from "../flow.js";
import { entry } from "../catalogue.js";
import { HDR, KIND_NAMES, RING_C } from "../native_ring.js";
import { findLibcExport, formatIp, libcModule, nativeStack, parseSockaddr, peerOf } from "../native_util.js";
import type { HookModule, InstallReport, Skipped } from "./types.js";

const NAME = "native_net";
const e = entry(NAME);

let cm: CModule | null = null;
let ringBase: NativePointer = NULL;
let ringCap = 0;
let spos = 0;   // records before this ring position have been sent (released once acknowledged)
let committed: NativeFunction<UInt64, []> | null = null;
let release: NativeFunction<void, [UInt64 | number, UInt64 | number]> | null = null;
let quiesceRing: NativeFunction<void, []> | null = null;
let tryPut: NativeFunction<number, [NativePointer, number]> | null = null;
let usleep: NativeFunction<number, [number]> | null = null;
let drainTimer: ReturnType<typeof setTimeout> | null = null;
let idleMs = 20;
let batchBytes = 4 << 20;
let jsonEvents = false;
export const RECORD_FORMAT = "ring-v1";
let batchEvents = 4096;
const keepAlive: unknown[] = [];
let statsFn: NativeFunction<void, [NativePointer]> | null = null;

/** Counters of the native ring: events recorded, producer waits on a full ring, slow-path events. */
export function ringStats(): Record<string, number> {
  if (statsFn === null) return {};
  const out = Memory.alloc(48);
  statsFn(out);
  return {
    events: out.readU64().toNumber(),
    full_waits: out.add(8).readU64().toNumber(),
    slow_path: out.add(16).readU64().toNumber(),
    bytes_written: out.add(24).readU64().toNumber(),
    bytes_released: out.add(32).readU64().toNumber(),
    records_held: out.add(40).readU64().toNumber(),
    bytes_drained: spos,
  };
}

/** Turn the ring record at `dv[off]` into an event; data lives at payload offset dataOff. */
function recordEvent(dv: DataView, off: number, dataOff: number): Record<string, unknown> | null {
  const kind = dv.getUint16(off + 4, true);
  if (kind === 0) return null;
  const family = dv.getUint16(off + 6, true);
  const fd = dv.getInt32(off + 8, true);
  const port = dv.getUint16(off + 12, true);
  const addr = new Uint8Array(dv.buffer, dv.byteOffset + off + 16, 16);
  const ts = Number(dv.getBigInt64(off + 32, true)) / 1e6;
  const dataLen = dv.getUint32(off + 40, true);
  const dataSize = dv.getUint32(off + 44, true);
  const ip = formatIp(family, addr);
  const ev: Record<string, unknown> = {
    type: kind === 5 ? "net:connect" : "net:send",
    ts,
    api: `libc.${KIND_NAMES[kind] ?? "?"}`,
    dest: { ip, port: ip === null ? null : port },
    fd,
  };
  if (kind !== 5) {
    ev.data_off = dataOff;
    ev.data_size = dataSize;
    ev.data_len = dataLen;
  }
  return ev;
}

/**
 * Send the ring's committed records that were not sent yet; returns true when none is left.  By
 * default the records travel as they are (message.records = {format: "ring-v1", size}, payload =
 * the records, decoded by harness.instrument.messages.decode_batch) so the JS thread does O(1) work
 * per batch; with options.nativeEvents = "json" every record becomes an ordinary JSON event here
 * instead.  The records stay in the ring until the harness acknowledges them (flow.ts); the
 * envelope's queue goes first, so events keep their order.
 */
export function drainRing(): boolean {
  if (committed === null || release === null) return true;
  const rel = release;
  const w = committed().toNumber();
  while (spos < w) {
    const startPhys = spos % ringCap;
    const segEnd = Math.min(w - spos, ringCap - startPhys);  // contiguous bytes available
    const ab = ArrayBuffer.wrap(ringBase.add(startPhys), segEnd);
    const dv = new DataView(ab);
    const events: Record<string, unknown>[] = [];
    let off = 0;
    let records = 0;
    while (off < segEnd && off < batchBytes && (!jsonEvents || events.length < batchEvents)) {
      const size = dv.getUint32(off, true);
      if (size === 0) break;
      if (dv.getUint16(off + 4, true) !== 0) records++;
      if (jsonEvents) {
        const ev = recordEvent(dv, off, off + HDR);
        if (ev !== null) events.push(ev);
      }
      off += size;
    }
    if (off === 0) break;
    const payload = off === segEnd ? ab : ArrayBuffer.wrap(ringBase.add(startPhys), off);
    const end = spos + off;
    const acked = (): void => rel(end, records);
    spos = end;
    if (jsonEvents) sendBatch(events, payload, records, undefined, acked);
    else sendBatch([], payload, records, { format: RECORD_FORMAT, size: off }, acked);
  }
  return true;
}

let lastW = 0;
let pendingSince = 0;
let maxLatencyMs = 250;
let highWater = 0.75;

/*
 * Drain policy: while the producers are busy (the ring grew since the last tick) and the ring is
 * under options.highWater (0.75) full, leave the records there (draining competes with the app for CPU) for at most
 * maxLatencyMs; otherwise drain everything.  Ticks every 2 ms while records are pending.
 */
function scheduleDrain(): void {
  let next = idleMs;
  try {
    if (committed !== null) {
      const w = committed().toNumber();
      const pending = w - spos;
      if (pending > 0) {
        const now = Date.now();
        if (pendingSince === 0) pendingSince = now;
        const busy = w !== lastW;
        if (!busy || pending > ringCap * highWater || now - pendingSince >= maxLatencyMs) {
          if (flush()) drainRing();
          pendingSince = 0;
        }
        next = 2;
      }
      lastW = w;
    }
  } catch (err) {
    reportError(NAME, "ring drain", err);
  }
  drainTimer = setTimeout(scheduleDrain, next);
}

/*
 * The producer's slow path (the ring stayed full for FULL_WAIT_US): on the producer's own thread,
 * wait for room without holding the JS lock (cooperative sleeps: the JS thread meanwhile takes the
 * harness's acks, which release ring space), then put the record in the ring.  Only the JS thread
 * itself, or a wait longer than flowConfig.waitMs, hands the event to the envelope instead.
 */
function slowPath(rec: NativePointer, size: number): void {
  try {
    const deadline = Date.now() + flowConfig.waitMs;
    const jsThread = Process.getCurrentThreadId() === jsThreadId;
    if (tryPut !== null && usleep !== null && size <= ringCap / 2) {
      while (tryPut(rec, size) === 0) {
        if (jsThread || Date.now() > deadline) return slowEmit(rec, size);
        usleep(1000);
      }
      return;
    }
    slowEmit(rec, size);
  } catch (err) {
    reportError(NAME, "slow path", err);
  }
}

function slowEmit(rec: NativePointer, size: number): void {
  const ab = rec.readByteArray(size) as ArrayBuffer;
  const ev = recordEvent(new DataView(ab), 0, 0);
  if (ev === null) return;
  const data = ev.data_size !== undefined ? ab.slice(HDR, HDR + (ev.data_size as number)) : null;
  const { type, data_off: _o, data_size: _s, data_len: dataLen, ...fields } = ev;
  emit(type as string, { api: fields.api as string, ...fields, slow: true }, data);
  void dataLen;
}

/** End recording in the native ring (flow.ts quiesce): producers return at once. */
export function quiesceNative(): void {
  if (quiesceRing !== null) quiesceRing();
}

let jsThreadId = -1;

function installRing(options: Record<string, unknown>, hooked: string[], skipped: Skipped[]): void {
  const want = typeof options.ringBytes === "number" ? options.ringBytes : 64 << 20;
  ringCap = Math.max(1 << 20, Math.floor(want / 8) * 8);
  const maxRecords = typeof options.ringRecords === "number" && options.ringRecords >= 16 ? options.ringRecords : 65536;
  jsThreadId = Process.getCurrentThreadId();
  idleMs = typeof options.drainMs === "number" ? options.drainMs : 20;
  if (typeof options.maxLatencyMs === "number") maxLatencyMs = options.maxLatencyMs;
  if (typeof options.highWater === "number") highWater = Math.min(0.95, Math.max(0.05, options.highWater));
  const fns: Record<string, NativePointer> = {};
  for (const f of ["getsockname", "getpeername"]) {
    const p = findLibcExport(f);
    if (p === null) throw new Error(`libc has no ${f}`);
    fns[f] = p;
  }
  const stateBytes = 2 << 20;
  const state = Memory.alloc(stateBytes);
  const memcpy = findLibcExport("memcpy");
  if (memcpy === null) throw new Error("libc has no memcpy");
  cm = new CModule(RING_C, { ...fns, libc_memcpy: memcpy, st: state });
  const need = new NativeFunction(cm.state_size, "uint64", [])().toNumber();
  if (need > stateBytes) throw new Error(`ring state needs ${need} bytes`);
  ringBase = Memory.alloc(ringCap);
  statsFn = new NativeFunction(cm.ring_stats, "void", ["pointer"]);
  const slow = new NativeCallback(slowPath, "void", ["pointer", "uint32"]);
  keepAlive.push(cm, state, ringBase, slow);
  new NativeFunction(cm.ring_setup, "void", ["pointer", "uint64", "uint32", "pointer", "uint64"])(
    ringBase, ringCap, envConfig.maxData, slow, maxRecords);
  if (options.prefault !== false) new NativeFunction(cm.ring_prefault, "void", [])();
  // exclusive: keep the JS lock during these short calls, so two threads never drain at once
  committed = new NativeFunction(cm.ring_committed, "uint64", [], { scheduling: "exclusive" });
  release = new NativeFunction(cm.ring_release, "void", ["uint64", "uint64"], { scheduling: "exclusive" });
  quiesceRing = new NativeFunction(cm.ring_quiesce, "void", [], { scheduling: "exclusive" });
  tryPut = new NativeFunction(cm.ring_try_put, "int", ["pointer", "uint32"], { scheduling: "exclusive" });
  // cooperative (the default): the JS lock is released while the slow path sleeps
  usleep = new NativeFunction(Module.getGlobalExportByName("usleep"), "int", ["uint"]);
  addPump(drainRing);
  const kinds: Record<string, number> = { send: 1, sendto: 2, sendmsg: 3, write: 4 };
  for (const t of e.targets) {
    if (t.module !== "libc" || t.symbol === undefined) continue;
    const sym = t.symbol;
    if (sym === "getaddrinfo") continue;
    const addr = findLibcExport(sym);
    const name = `libc!${sym}`;
    if (addr === null) {
      skipped.push({ module: NAME, target: name, reason: "export not found" });
      continue;
    }
    if (sym === "connect") {
      Interceptor.attach(addr, { onEnter: cm.on_connect_enter, onLeave: cm.on_connect_leave });
    } else if (sym === "close") {
      Interceptor.attach(addr, { onEnter: cm.on_close_enter });
    } else if (sym === "dup2" || sym === "dup3") {
      Interceptor.attach(addr, { onEnter: cm.on_dup_enter });
    } else {
      const cb = options.sendHook === "enter" ? { onEnter: cm.on_enter_only } : { onEnter: cm.on_enter, onLeave: cm.on_leave };
      Interceptor.attach(addr, cb, ptr(kinds[sym]));
    }
    hooked.push(name);
  }
  if (drainTimer === null) drainTimer = setTimeout(scheduleDrain, idleMs);
}

/* ---- getaddrinfo ---- */
function installDns(hooked: string[], skipped: Skipped[]): void {
  const addr = findLibcExport("getaddrinfo");
  if (addr === null) {
    skipped.push({ module: NAME, target: "libc!getaddrinfo", reason: "export not found" });
    return;
  }
  const libc = libcModule();
  const bionic = libc !== null && libc.name === "libc.so";
  Interceptor.attach(addr, {
    onEnter(args) {
      this.host = args[0].isNull() ? null : args[0].readCString();
      this.res = args[3];
    },
    onLeave(ret) {
      try {
        if (this.host === null) return;
        const ips: string[] = [];
        if (ret.toInt32() === 0) {
          let ai = (this.res as NativePointer).readPointer();
          for (let i = 0; !ai.isNull() && i < 32; i++) {
            // struct addrinfo: glibc {flags,family,socktype,protocol,addrlen; addr; canonname; next}
            // bionic {flags,family,socktype,protocol,addrlen; canonname; addr; next}
            const sa = ai.add(bionic ? 32 : 24).readPointer();
            const d = parseSockaddr(sa, ai.add(16).readU32());
            if (d !== null && d.ip !== null && !ips.includes(d.ip)) ips.push(d.ip);
            ai = ai.add(40).readPointer();
          }
        }
        emit("net:dns", { api: "libc.getaddrinfo", dest: { host: this.host as string }, value: ips.join(",") });
      } catch (err) {
        reportError(NAME, "libc!getaddrinfo", err);
      }
    },
  });
  hooked.push("libc!getaddrinfo");
}

/* ---- TLS (OpenSSL / BoringSSL exports) ---- */
const sslHooked = new Set<string>();
let tlsReads = false;
let tlsStacks = true;

function sslDest(getFd: NativeFunction<number, [NativePointer]> | null, ssl: NativePointer): Record<string, unknown> {
  const fd = getFd === null ? -1 : getFd(ssl);
  const peer = fd >= 0 ? peerOf(fd) : null;
  return { ip: peer?.ip ?? null, port: peer?.port ?? null, scheme: "tls" };
}

function hookSslModule(m: Module, hooked: string[] | null): void {
  if (sslHooked.has(m.path)) return;
  const write = m.findExportByName("SSL_write");
  const writeEx = m.findExportByName("SSL_write_ex");
  if (write === null && writeEx === null) return;
  sslHooked.add(m.path);
  const fdp = m.findExportByName("SSL_get_fd");
  const getFd = fdp === null ? null : new NativeFunction(fdp, "int", ["pointer"]);
  const attach = (sym: string, type: string, ex: boolean): void => {
    const p = m.findExportByName(sym);
    if (p === null) return;
    const api = sym;
    Interceptor.attach(p, {
      onEnter(args) {
        this.ssl = args[0];
        this.buf = args[1];
        this.num = args[2].toInt32();
        this.out = ex ? args[3] : NULL;
      },
      onLeave(ret) {
        try {
          let n: number;
          if (ex) {
            if (ret.toInt32() !== 1 || (this.out as NativePointer).isNull()) return;
            n = Number((this.out as NativePointer).readULong());
          } else {
            n = ret.toInt32();
          }
          if (n <= 0) return;
          const data = (this.buf as NativePointer).readByteArray(n) as ArrayBuffer;
          emit(type, {
            api,
            dest: sslDest(getFd, this.ssl as NativePointer),
            stack: tlsStacks ? nativeStack(this.context) : [],
            sdk: null,
            module: m.name,
          }, data);
        } catch (err) {
          reportError(NAME, `${m.name}!${sym}`, err);
        }
      },
    });
    if (hooked !== null) hooked.push(`${m.name}!${sym}`);
  };
  attach("SSL_write", "tls:write", false);
  attach("SSL_write_ex", "tls:write", true);
  if (tlsReads) {
    attach("SSL_read", "tls:read", false);
    attach("SSL_read_ex", "tls:read", true);
  }
}

function installTls(options: Record<string, unknown>, hooked: string[], skipped: Skipped[]): void {
  tlsReads = options.tlsReads === true;
  tlsStacks = options.nativeStacks !== false;
  for (const m of Process.enumerateModules()) {
    try {
      hookSslModule(m, hooked);
    } catch (err) {
      skipped.push({ module: NAME, target: `${m.name}!SSL_write`, reason: `hook failed: ${String(err)}` });
    }
  }
  if (sslHooked.size === 0) {
    skipped.push({ module: NAME, target: "libssl!SSL_write", reason: "no loaded module exports SSL_write yet (watching for one)" });
  }
  const onAdded = (m: Module): void => {
    try {
      hookSslModule(m, null);
    } catch (err) {
      reportError(NAME, `${m.name}!SSL_write`, err);
    }
  };
  if (typeof Process.attachModuleObserver === "function") {
    keepAlive.push(Process.attachModuleObserver({ onAdded }));
  } else {
    const poll = (): void => {
      for (const m of Process.enumerateModules()) onAdded(m);
      setTimeout(poll, 500);
    };
    setTimeout(poll, 500);
  }
}

const mod: HookModule = {
  name: NAME,
  description: e.description,
  targets: e.targets,
  java: false,
  install(options: Record<string, unknown>): InstallReport {
    const hooked: string[] = [];
    const skipped: Skipped[] = [];
    if (typeof options.batchEvents === "number") batchEvents = options.batchEvents;
    if (typeof options.batchBytes === "number") batchBytes = options.batchBytes;
    jsonEvents = options.nativeEvents === "json";
    installRing(options, hooked, skipped);
    installDns(hooked, skipped);
    installTls(options, hooked, skipped);
    return { hooked, skipped };
  },
};

export default mod;
