/*
 * Flow control between the agent and the harness: what the agent has recorded but the harness has
 * not yet stored is bounded, so a harness that is killed loses at most that window, and a harness
 * that stops (Ctrl-C, --duration) drains a small backlog instead of an unbounded one.
 *
 * With init option flow (the harness always sets it) every batch carries a sequence number "seq";
 * the harness posts {type: "harness:ack", seq} once the batch's events are committed to the run
 * store (acks are cumulative).  Until then:
 *   - native ring records stay in the ring (native_net.ts releases them on the ack), so the ring's
 *     capacity (ringBytes, ringRecords) bounds the native events in flight;
 *   - batches of the JS queue are sent only while fewer than windowBytes / windowEvents of them are
 *     unacknowledged, and a hook that finds the queue itself that full waits (cooperatively, so the
 *     JS thread can take the acks) before it queues more, for at most waitMs.
 * Without flow (a plain frida script host) everything is sent at once and released on send.
 *
 * quiesce() ends recording (hooks no longer queue events) and pumps the backlog out; once nothing
 * is left it posts {type: "harness:drained", seq: last seq sent}.
 */

import { ACK, CRASH_ACK, DRAINED } from "./messages.js";

export interface FlowConfig {
  enabled: boolean;
  windowBytes: number;
  windowEvents: number;
  waitMs: number;
}

export const flowConfig: FlowConfig = { enabled: false, windowBytes: 8 << 20, windowEvents: 8192, waitMs: 10000 };

interface InFlight {
  seq: number;
  bytes: number;
  events: number;
  acked?: () => void;   // e.g. release the native ring up to this batch's end
}

let lastSeq = 0;
let inflight: InFlight[] = [];
let jsBytes = 0;
let jsEvents = 0;
let recording = true;
let drainedSent = false;
let jsThreadId = -1;
const pumps: (() => boolean)[] = [];   // each sends what it can; returns true when it holds nothing
const counters = { acks: 0, waits: 0, overflow: 0 };
let sleep: NativeFunction<number, [number]> | null = null;

/** Called once from init() (on the JS thread). */
export function startFlow(config: Partial<FlowConfig>): void {
  for (const [k, v] of Object.entries(config)) {
    if (k === "enabled") flowConfig.enabled = v === true;
    else if (typeof v === "number" && v > 0) (flowConfig as unknown as Record<string, number>)[k] = v;
  }
  jsThreadId = Process.getCurrentThreadId();
  if (!flowConfig.enabled) return;
  const usleep = Module.getGlobalExportByName("usleep");
  // cooperative (the default): the JS lock is released while a hook sleeps, so the JS thread
  // can take the harness's acks meanwhile
  sleep = new NativeFunction(usleep, "int", ["uint"]);
  listenForAcks();
}

function listenForAcks(): void {
  recv(ACK, (message: { seq?: number }) => {
    try {
      acknowledge(typeof message.seq === "number" ? message.seq : 0);
    } finally {
      listenForAcks();
    }
  });
}

function acknowledge(upto: number): void {
  counters.acks++;
  while (inflight.length > 0 && inflight[0].seq <= upto) {
    const done = inflight.shift() as InFlight;
    if (done.acked === undefined) {
      jsBytes -= done.bytes;
      jsEvents -= done.events;
    } else {
      done.acked();
    }
  }
  pump();
}

export function isRecording(): boolean {
  return recording;
}

/** Register a sender (the envelope queue, the native ring); pump() calls them in order. */
export function addPump(fn: () => boolean): void {
  pumps.push(fn);
}

/** Send what the window allows; after quiesce(), report "drained" once nothing is left. */
export function pump(): void {
  let empty = true;
  for (const fn of pumps) {
    if (!fn()) {
      empty = false;
      break;   // keep the order: nothing behind a held batch goes first
    }
  }
  if (!recording && empty && !drainedSent) {
    drainedSent = true;
    send({ type: DRAINED, seq: lastSeq, ...counters });
  }
}

/** Stop recording and send the backlog; "harness:drained" follows once it is all sent. */
export function quiesce(): Record<string, number> {
  recording = false;
  pump();
  return flowStats();
}

/** True when a JS batch of this size may be sent now. */
export function jsWindowOpen(bytes: number, events: number): boolean {
  if (!flowConfig.enabled || jsEvents === 0) return true;   // one batch always fits
  return jsBytes + bytes <= flowConfig.windowBytes && jsEvents + events <= flowConfig.windowEvents;
}

/** Send one batch message, numbered and tracked when flow control is on. */
export function sendNumbered(message: Record<string, unknown>, payload: ArrayBuffer | null, events: number,
                             acked?: () => void): void {
  if (!flowConfig.enabled) {
    send(message, payload);
    if (acked !== undefined) acked();
    return;
  }
  const seq = ++lastSeq;
  const bytes = payload === null ? 0 : payload.byteLength;
  inflight.push({ seq, bytes, events, acked });
  if (acked === undefined) {
    jsBytes += bytes;
    jsEvents += events;
  }
  send({ ...message, seq }, payload);
}

/*
 * Called by a hook before it queues an event while `held` (bytes, events) are queued: when the
 * queue and the unacknowledged JS batches together exceed the window, wait (cooperatively) for
 * acks, at most waitMs; then queue anyway and count it as overflow rather than stall the app.
 * The JS thread itself never waits: the acks arrive on it.
 */
export function waitForRoom(heldBytes: number, heldEvents: number): void {
  if (!flowConfig.enabled || sleep === null) return;
  const full = (): boolean => jsBytes + heldBytes > flowConfig.windowBytes * 2
    || jsEvents + heldEvents > flowConfig.windowEvents * 2;
  if (!full()) return;
  if (Process.getCurrentThreadId() === jsThreadId) {
    counters.overflow++;
    return;
  }
  counters.waits++;
  const deadline = Date.now() + flowConfig.waitMs;
  while (full() && Date.now() < deadline) sleep(1000);
  if (full()) counters.overflow++;
}

/**
 * Send everything held (the envelope queue, the native ring) now, whatever the window: the process
 * is exiting or crashing, or the script is being unloaded.
 */
export function sendEverything(flushAll: () => void): void {
  const wasEnabled = flowConfig.enabled;
  flowConfig.enabled = false;
  try {
    flushAll();
  } finally {
    flowConfig.enabled = wasEnabled;
  }
}

/*
 * After a "harness:crash" report: wait (cooperatively, so the JS thread can take the answer) until
 * the harness says it has received everything, at most waitMs.  The JS thread itself cannot wait.
 */
export function waitForCrashAck(waitMs: number): boolean {
  let answered = false;
  recv(CRASH_ACK, () => {
    answered = true;
  });
  if (Process.getCurrentThreadId() === jsThreadId) return false;
  if (sleep === null) sleep = new NativeFunction(Module.getGlobalExportByName("usleep"), "int", ["uint"]);
  const deadline = Date.now() + waitMs;
  while (!answered && Date.now() < deadline) sleep(2000);
  return answered;
}

export function flowStats(): Record<string, number> {
  return { seq: lastSeq, inflight: inflight.length, js_bytes: jsBytes, js_events: jsEvents, ...counters };
}
