/*
 * network (Java): URL.openConnection, HttpURLConnection (URL, method, request headers, body written
 * to its output stream; reported once per connection when the response is asked for, or on
 * disconnect), OkHttp 3/4 calls, Socket connect and output-stream writes, JSSE/Conscrypt TLS
 * plaintext writes, InetAddress lookups, WebView loads and Cronet request builders.
 */
import { reportError } from "../envelope.js";
import {
  asRuntime, emitJava, findClass, hookJava, identity, jbytes, jstr, urlDest,
  type JavaCall, type JavaHandler, type JWrapper,
} from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "network";

/* ---- HttpURLConnection state, keyed by the connection's identity hash ---- */
interface ConnState {
  headers: [string, string][];
  body: Uint8Array[];
  bodyLen: number;
  emitted: boolean;
  url: string | null;      // known once the output stream exists (connected)
  method: string | null;
}

const conns = new Map<number, ConnState>();
const streamOwner = new Map<number, number>();   // output stream identity -> connection identity
const hookedStreamClasses = new Set<string>();
let maxBody = 64 * 1024;

function conn(id: number): ConnState {
  let s = conns.get(id);
  if (s === undefined) {
    s = { headers: [], body: [], bodyLen: 0, emitted: false, url: null, method: null };
    conns.set(id, s);
  }
  return s;
}

function concat(parts: Uint8Array[], total: number): ArrayBuffer {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out.buffer as ArrayBuffer;
}

/** The bytes of a write(int) / write(byte[]) / write(byte[], int, int) call. */
function writtenBytes(call: JavaCall): ArrayBuffer | null {
  const t = call.argTypes;
  if (t.length === 1 && t[0] === "int") return new Uint8Array([call.args[0] & 0xff]).buffer as ArrayBuffer;
  if (t.length === 1 && t[0] === "[B") return jbytes(call.args[0]);
  if (t.length === 3 && t[0] === "[B") return jbytes(call.args[0], call.args[1], call.args[2]);
  return null;
}

function recordHeader(call: JavaCall, replace: boolean): void {
  const s = conn(identity(call.self));
  const name = jstr(call.args[0]);
  const value = jstr(call.args[1]) ?? "";
  if (name === null) return;
  if (replace) s.headers = s.headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase());
  s.headers.push([name, value]);
}

const streamHandler: JavaHandler = {
  module: NAME,
  group: "huc.stream",
  before(call) {
    const owner = streamOwner.get(identity(call.self));
    if (owner === undefined) return;
    const bytes = writtenBytes(call);
    const s = conns.get(owner);
    if (bytes === null || s === undefined) return;
    s.bodyLen += bytes.byteLength;
    const kept = s.body.reduce((n, b) => n + b.byteLength, 0);
    if (kept < maxBody) s.body.push(new Uint8Array(bytes.slice(0, maxBody - kept)));
  },
};

function emitConnection(call: JavaCall): void {
  const s = conn(identity(call.self));
  if (s.emitted) return;
  emitState(call, s, jstr(call.self.getURL()), jstr(call.self.getRequestMethod()));
}

function emitState(call: JavaCall, s: ConnState, url: string | null, method: string | null): void {
  s.emitted = true;
  const kept = s.body.reduce((n, b) => n + b.byteLength, 0);
  const data = s.bodyLen > 0 ? concat(s.body, kept) : null;
  emitJava("http:request", call, {
    api: `java.net.HttpURLConnection.${call.method}`,   // the trigger: getResponseCode, getInputStream, close...
    impl: call.cls,
    dest: urlDest(url),
    method,
    headers: s.headers,
    body_len: s.bodyLen,
  }, data);
  s.body = [];
}

/* close() of a connection's output stream: the body is complete, report the request now. */
const streamCloseHandler: JavaHandler = {
  module: NAME,
  group: "huc.stream",
  before(call) {
    const owner = streamOwner.get(identity(call.self));
    if (owner === undefined) return;
    streamOwner.delete(identity(call.self));
    const s = conns.get(owner);
    if (s !== undefined && !s.emitted && s.bodyLen > 0) emitState(call, s, s.url, s.method);
  },
};

function hucHandlers(cls: string): Record<string, JavaHandler> {
  return {
    [`${cls}.getOutputStream`]: {
      module: NAME,
      group: "huc",
      after(call) {
        const stream = call.ret;
        if (stream === null || stream === undefined) return;
        const connId = identity(call.self);
        const s = conn(connId);
        s.url = jstr(call.self.getURL());
        s.method = jstr(call.self.getRequestMethod());
        streamOwner.set(identity(stream), connId);
        const sc: string = stream.$className;
        if (!hookedStreamClasses.has(sc)) {
          hookedStreamClasses.add(sc);
          for (const [m, h] of [["write", streamHandler], ["close", streamCloseHandler]] as const) {
            const reason = hookJava(sc, m, h);
            if (reason !== null) reportError(NAME, `${sc}.${m}`, new Error(reason));
          }
        }
      },
    },
    [`${cls}.getInputStream`]: { module: NAME, group: "huc", before: emitConnection },
    [`${cls}.getResponseCode`]: { module: NAME, group: "huc", before: emitConnection },
    [`${cls}.connect`]: { module: NAME, group: "huc", before(call) { conn(identity(call.self)); } },
    [`${cls}.disconnect`]: {
      module: NAME,
      group: "huc",
      before(call) {
        const id = identity(call.self);
        const s = conns.get(id);
        if (s !== undefined && !s.emitted && s.bodyLen > 0) emitConnection(call);
        conns.delete(id);
      },
    },
  };
}

/* ---- OkHttp ---- */
let bufferClass: JWrapper | null = null;

function okhttpCall(call: JavaCall): void {
  const req = call.self.request();
  const url = jstr(req.url());
  const hs = req.headers();
  const headers: [string, string][] = [];
  const n: number = hs.size();
  for (let i = 0; i < n; i++) headers.push([jstr(hs.name(i)) ?? "", jstr(hs.value(i)) ?? ""]);
  let data: ArrayBuffer | null = null;
  const body = req.body();
  if (body !== null && body !== undefined) {
    const ct = jstr(body.contentType());
    if (ct !== null && !headers.some(([k]) => k.toLowerCase() === "content-type")) headers.push(["Content-Type", ct]);
    const oneShot = typeof body.isOneShot === "function" ? body.isOneShot() : false;
    if (!oneShot) {
      if (bufferClass === null) bufferClass = findClass("okio.Buffer");
      if (bufferClass !== null) {
        const buf = bufferClass.$new();
        body.writeTo(buf);
        data = jbytes(buf.readByteArray());
      }
    }
  }
  emitJava("http:request", call, { dest: urlDest(url), method: jstr(req.method()), headers }, data);
}

/* ---- sockets ---- */
function socketDest(sock: JWrapper): { host: string | null; ip: string | null; port: number | null } {
  if (sock === null || sock === undefined) return { host: null, ip: null, port: null };
  const addr = sock.getInetAddress();
  const port: number = sock.getPort();
  if (addr === null) return { host: null, ip: null, port };
  const text = jstr(addr) ?? "";            // "host/1.2.3.4" (no reverse lookup)
  const slash = text.indexOf("/");
  return { host: slash > 0 ? text.substring(0, slash) : null, ip: jstr(addr.getHostAddress()), port };
}

function fieldValue(obj: JWrapper, names: string[]): JWrapper | null {
  for (const n of names) {
    try {
      const f = obj[n] ?? obj[`_${n}`];
      if (f !== undefined && f !== null && "value" in f) return f.value;
    } catch (_e) {
      // try the next name
    }
  }
  return null;
}

const streamDest = new Map<number, { host: string | null; ip: string | null; port: number | null }>();

function socketWrite(type: string, names: string[]): JavaHandler {
  return {
    module: NAME,
    group: `${type}.java`,
    before(call) {
      const data = writtenBytes(call);
      if (data === null || data.byteLength === 0) return;
      const id = identity(call.self);
      let dest = streamDest.get(id);
      if (dest === undefined) {
        const owner = fieldValue(call.self, names);
        dest = socketDest(owner === null ? null : asRuntime(owner));
        if (dest.port !== null && dest.port > 0) streamDest.set(id, dest);
      }
      emitJava(type, call, { dest: { ...dest, scheme: type === "tls:write" ? "tls" : "tcp" } }, data);
    },
  };
}

function socketConnect(call: JavaCall): void {
  const ep = asRuntime(call.args[0]);
  if (ep === null || ep === undefined || typeof ep.getPort !== "function") return;
  const addr = ep.getAddress();
  emitJava("net:connect", call, {
    dest: { host: jstr(ep.getHostString()), ip: addr === null ? null : jstr(addr.getHostAddress()), port: ep.getPort(), scheme: "tcp" },
  });
}

function dnsLookup(call: JavaCall): void {
  const r = call.ret;
  const ips: string[] = [];
  if (r !== null && r !== undefined) {
    if (typeof r.length === "number") {
      for (let i = 0; i < r.length; i++) ips.push(jstr(r[i].getHostAddress()) ?? "");
    } else {
      ips.push(jstr(r.getHostAddress()) ?? "");
    }
  }
  emitJava("net:dns", call, { dest: { host: jstr(call.args[0]) }, value: ips.join(",") });
}

function mapPairs(map: JWrapper): [string, string][] {
  const out: [string, string][] = [];
  if (map === null || map === undefined) return out;
  const m = asRuntime(map);
  const keys = m.keySet().toArray();
  for (let i = 0; i < keys.length; i++) out.push([jstr(keys[i]) ?? "", jstr(m.get(keys[i])) ?? ""]);
  return out;
}

function webview(call: JavaCall): void {
  const url = jstr(call.args[0]);
  const post = call.method === "postUrl";
  emitJava("http:request", call, {
    dest: urlDest(url),
    method: post ? "POST" : "GET",
    headers: call.argTypes[1] === "java.util.Map" ? mapPairs(call.args[1]) : [],
  }, post ? jbytes(call.args[1]) : null);
}

export default javaModule(NAME, (options) => {
  if (typeof options.maxData === "number" && options.maxData > 0) maxBody = options.maxData;
  const ssl = socketWrite("tls:write", ["this$0"]);
  return {
    "java.net.URL.openConnection": {
      module: NAME,
      after(call) {
        emitJava("net:connect", call, { dest: urlDest(jstr(call.self)) });
      },
    },
    "java.net.URLConnection.setRequestProperty": { module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, true) },
    "java.net.URLConnection.addRequestProperty": { module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, false) },
    "sun.net.www.protocol.http.HttpURLConnection.setRequestProperty": {
      module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, true),
    },
    "sun.net.www.protocol.http.HttpURLConnection.addRequestProperty": {
      module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, false),
    },
    "com.android.okhttp.internal.huc.HttpURLConnectionImpl.setRequestProperty": {
      module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, true),
    },
    "com.android.okhttp.internal.huc.HttpURLConnectionImpl.addRequestProperty": {
      module: NAME, group: "huc.hdr", before: (c) => recordHeader(c, false),
    },
    ...hucHandlers("sun.net.www.protocol.http.HttpURLConnection"),
    ...hucHandlers("com.android.okhttp.internal.huc.HttpURLConnectionImpl"),
    "okhttp3.RealCall.execute": { module: NAME, group: "okhttp.call", before: okhttpCall },
    "okhttp3.RealCall.enqueue": { module: NAME, group: "okhttp.call", before: okhttpCall },
    "okhttp3.internal.connection.RealCall.execute": { module: NAME, group: "okhttp.call", before: okhttpCall },
    "okhttp3.internal.connection.RealCall.enqueue": { module: NAME, group: "okhttp.call", before: okhttpCall },
    "java.net.Socket.connect": { module: NAME, group: "socket.connect", before: socketConnect },
    "java.net.SocketOutputStream.write": socketWrite("net:send", ["socket"]),
    "java.net.Socket$SocketOutputStream.write": socketWrite("net:send", ["parent", "socket"]),
    "sun.security.ssl.SSLSocketImpl$AppOutputStream.write": ssl,
    "com.android.org.conscrypt.ConscryptEngineSocket$SSLOutputStream.write": ssl,
    "com.android.org.conscrypt.ConscryptFileDescriptorSocket$SSLOutputStream.write": ssl,
    "java.net.InetAddress.getByName": { module: NAME, group: "dns", after: dnsLookup },
    "java.net.InetAddress.getAllByName": { module: NAME, group: "dns", after: dnsLookup },
    "android.webkit.WebView.loadUrl": { module: NAME, group: "webview", before: webview },
    "android.webkit.WebView.postUrl": { module: NAME, group: "webview", before: webview },
    "org.chromium.net.impl.CronetEngineBase.newUrlRequestBuilder": {
      module: NAME,
      before(call) {
        emitJava("http:request", call, { dest: urlDest(jstr(call.args[0])), method: null, headers: [] });
      },
    },
  };
});
