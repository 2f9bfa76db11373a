/*
 * Event envelope and batching: every hook reports through emit(); events travel to the harness
 * in batches (flushed by count, by bytes and by time) as one message
 *   { type: "harness:batch", events: [ {type: "net:send", ts, api, ...}, ... ] }
 * with the events' data bytes concatenated into the message's binary payload; each event that
 * carries data has "data_off"/"data_size" into it and "data_len" (true length before the cap).
 * The native socket hooks' batches may instead carry raw ring records: "records": {format: "ring-v1",
 * size} with the payload holding `size` bytes of records (layout in native_ring.ts) and "events"
 * empty; harness.instrument.messages.decode_batch turns both forms into events.
 * Other message types: "harness:ready", "harness:skipped", "harness:error", and flow.ts's
 * "harness:drained" / "harness:crash".  With flow control on, batches carry "seq" and are sent only
 * while the harness's window allows (flow.ts); the queue is then also a pump of flow.ts.
 * Event "type" is namespaced "family:verb"; the harness stores it as kind "family.verb".
 */
import { addPump, isRecording, jsWindowOpen, sendNumbered, waitForRoom } from "./flow.js";
import { BATCH, ERROR } from "./messages.js";

export interface Dest {
  host?: string | null;
  ip?: string | null;
  port?: number | null;
  scheme?: string | null;
  url?: string | null;
  address?: string | null;
}

export interface EventFields {
  api: string;
  dest?: Dest | null;
  value?: string | null;
  stack?: string[];
  sdk?: string | null;
  headers?: [string, string][];
  [extra: string]: unknown;
}

export interface EnvelopeConfig {
  maxData: number;      // bytes of data kept per event (data_len keeps the true length)
  flushCount: number;   // flush when this many events are queued
  flushBytes: number;   // ... or this many data bytes
  flushMs: number;      // ... or this long after the first queued event
}

export const config: EnvelopeConfig = { maxData: 64 * 1024, flushCount: 256, flushBytes: 1 << 20, flushMs: 100 };
let queue: Record<string, unknown>[] = [];
let chunks: ArrayBuffer[] = [];
let queuedBytes = 0;
let timer: ReturnType<typeof setTimeout> | null = null;


export function configure(c: Partial<EnvelopeConfig>): void {
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === "number" && v > 0) (config as unknown as Record<string, number>)[k] = v;
  }
}

/** Report one event of namespaced type `type` ("net:send", "sms:send", "id:read", ...). */
export function emit(type: string, fields: EventFields, data?: ArrayBuffer | null): void {
  if (!isRecording()) return;
  waitForRoom(queuedBytes, queue.length);
  const ev: Record<string, unknown> = { type, ts: Date.now() / 1000, ...fields };
  if (data !== undefined && data !== null) {
    const kept = data.byteLength > config.maxData ? data.slice(0, config.maxData) : data;
    ev.data_off = queuedBytes;
    ev.data_size = kept.byteLength;
    ev.data_len = data.byteLength;
    chunks.push(kept);
    queuedBytes += kept.byteLength;
  }
  queue.push(ev);
  if (queue.length >= config.flushCount || queuedBytes >= config.flushBytes) {
    flush();
  } else if (timer === null) {
    timer = setTimeout(flush, config.flushMs);
  }
}

/**
 * Send a batch built elsewhere (the native ring drains straight into one): `events` already carry
 * data_off/data_size/data_len into `payload`.  Anything queued through emit() goes first.
 */
export function sendBatch(events: Record<string, unknown>[], payload: ArrayBuffer, count: number,
                          records?: { format: string; size: number }, acked?: () => void): void {
  if (records !== undefined) sendNumbered({ type: BATCH, events, records }, payload, count, acked);
  else if (events.length > 0) sendNumbered({ type: BATCH, events }, payload, count, acked);
}

/** How many events are queued here. */
export function queuedEvents(): number {
  return queue.length;
}

/** True when nothing is queued here (what the native ring checks before it sends: order is kept). */
export function queueEmpty(): boolean {
  return queue.length === 0;
}

/**
 * Send everything queued now (also called by the harness before detaching); with flow control the
 * batch waits while the window is full (the next ack sends it).  Returns true when nothing is left.
 */
export function flush(): boolean {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (queue.length === 0) return true;
  if (!jsWindowOpen(queuedBytes, queue.length)) return false;
  const payload = new Uint8Array(queuedBytes);
  let off = 0;
  for (const c of chunks) {
    payload.set(new Uint8Array(c), off);
    off += c.byteLength;
  }
  const events = queue;
  queue = [];
  chunks = [];
  queuedBytes = 0;
  sendNumbered({ type: BATCH, events }, payload.buffer as ArrayBuffer, events.length);
  return true;
}

addPump(flush);

const reportedErrors = new Set<string>();

/** Post {type: "harness:error"} for an internal failure of a hook, at most once per `key`. */
export function reportError(module: string, key: string, err: unknown): void {
  if (reportedErrors.has(key)) return;
  reportedErrors.add(key);
  const message = err instanceof Error ? `${key}: ${err.message}` : `${key}: ${String(err)}`;
  try {
    send({ type: ERROR, module, message });
  } catch (_e) {
    // nothing left to report with
  }
}
