"""A tiny agent speaking the hook agent's message contract, and its decoder (for tests).

``CONTRACT_AGENT`` hooks ``libc`` ``sendto`` (module ``native_net``) and reports in exactly the
format of ``frida_hooks/src/envelope.ts``: ``{type: "harness:batch", events: [...]}`` plus a binary
payload with each event's ``data_off``/``data_size``/``data_len``; ``rpc.exports`` has ``init``,
``flush``, ``dispose`` and ``catalogue``.  It has no flow control, so it also stands for a user's
own agent script.  Used where the real agent is not needed.
"""

from __future__ import annotations

from typing import Any

from harness.events import Dest, Event

CONTRACT_AGENT = r"""
'use strict';
const cfg = { maxData: 65536, flushCount: 256, flushBytes: 1 << 20, flushMs: 100 };
let queue = [], chunks = [], queued = 0, timer = null;
function flush() {
  if (timer !== null) { clearTimeout(timer); timer = null; }
  if (queue.length === 0) return;
  const payload = new Uint8Array(queued);
  let off = 0;
  for (const c of chunks) { payload.set(new Uint8Array(c), off); off += c.byteLength; }
  const events = queue;
  queue = []; chunks = []; queued = 0;
  send({ type: 'harness:batch', events }, payload.buffer);
}
function emit(type, fields, data) {
  const ev = Object.assign({ type, ts: Date.now() / 1000, pid: Process.id }, fields);
  if (data) {
    ev.data_off = queued; ev.data_size = data.byteLength; ev.data_len = fields.len;
    delete ev.len;
    chunks.push(data); queued += data.byteLength;
  }
  queue.push(ev);
  if (queue.length >= cfg.flushCount || queued >= cfg.flushBytes) flush();
  else if (timer === null) timer = setTimeout(flush, cfg.flushMs);
}
function hookSendto() {
  Interceptor.attach(Module.getGlobalExportByName('sendto'), {
    onEnter(args) {
      const len = args[2].toInt32();
      const data = args[1].readByteArray(Math.min(len, cfg.maxData));
      const sa = args[4];
      let dest = null;
      if (!sa.isNull() && sa.readU16() === 2) {
        const port = (sa.add(2).readU8() << 8) | sa.add(3).readU8();
        const ip = [4, 5, 6, 7].map(i => sa.add(i).readU8()).join('.');
        dest = { ip, port, host: null, scheme: 'udp', url: null };
      }
      emit('net:send', { api: 'libc.sendto', dest, len }, data);
    }
  });
}
rpc.exports = {
  init(params) {
    Object.assign(cfg, params);
    const hooked = [], skipped = [];
    for (const m of params.modules || []) {
      if (m === 'native_net') { hookSendto(); hooked.push('libc!sendto'); }
      else skipped.push({ module: m, target: '*', reason: 'not in the contract test agent' });
    }
    send({ type: 'harness:ready' });
    return { hooked, skipped };
  },
  flush() { flush(); },
  dispose() { flush(); },
  catalogue() { return [{ name: 'native_net', targets: [{ module: 'libc', symbol: 'sendto', kind: 'net.send' }] }]; },
};
"""


def decode_contract_batch(message: dict[str, Any], data: bytes | None) -> list[Event]:
    """Decode a ``harness:batch`` of the contract (a stand-in for ``messages.decode_batch``)."""
    out: list[Event] = []
    blob = data or b""
    for raw in message.get("events") or []:
        off, size = raw.get("data_off"), raw.get("data_size")
        dest = raw.get("dest")
        out.append(Event(
            id=0, ts=float(raw.get("ts") or 0.0), kind=str(raw["type"]).replace(":", ".", 1),
            api=str(raw.get("api") or ""), process=str(raw.get("process") or ""),
            pid=int(raw.get("pid") or 0), dest=Dest.from_json(dest) if isinstance(dest, dict) else None,
            data=blob[off:off + size] if off is not None and size is not None else None,
            data_len=raw.get("data_len"), value=raw.get("value"),
            stack=tuple(raw.get("stack") or ()), sdk=raw.get("sdk"),
        ))
    return out
