/* sms: SmsManager sends (sms:send, dest.address, data = text) and the SMS/MMS provider. */
import { emitJava, jbytes, jstr, utf8, type JavaCall, type JavaHandler } from "../java_util.js";
import { cursorRows, maxRows, queryInfo } from "../provider_util.js";
import { javaModule } from "./java_module.js";

const NAME = "sms";
const SMS_AUTHORITIES = new Set(["sms", "mms", "mms-sms"]);

function listText(list: unknown): string | null {
  const l = list as { size(): number; get(i: number): unknown } | null;
  if (l === null || l === undefined) return null;
  const parts: string[] = [];
  const n = l.size();
  for (let i = 0; i < n; i++) parts.push(jstr(l.get(i)) ?? "");
  return parts.join("");
}

function sendText(call: JavaCall): void {
  const text = jstr(call.args[2]);
  emitJava("sms:send", call, { dest: { address: jstr(call.args[0]) }, service_center: jstr(call.args[1]) }, utf8(text));
}

function sendMultipart(call: JavaCall): void {
  const text = listText(call.args[2]);
  emitJava("sms:send", call, { dest: { address: jstr(call.args[0]) }, service_center: jstr(call.args[1]) }, utf8(text));
}

function sendData(call: JavaCall): void {
  emitJava("sms:send", call, {
    dest: { address: jstr(call.args[0]) },
    service_center: jstr(call.args[1]),
    port: Number(call.args[2]) & 0xffff,
  }, jbytes(call.args[3]));
}

export default javaModule(NAME, (options) => {
  const max = maxRows(options);
  const query: JavaHandler = {
    module: NAME,
    after(call) {
      const q = queryInfo(call);
      if (!SMS_AUTHORITIES.has(q.authority)) return;
      const r = cursorRows(call.ret, max);
      emitJava("sms:read", call, {
        value: r === null ? null : JSON.stringify(r.rows),
        uri: q.uri, projection: q.projection, selection: q.selection, row_count: r === null ? null : r.count,
      });
    },
  };
  const insert: JavaHandler = {
    module: NAME,
    before(call) {
      const q = queryInfo(call);
      if (!SMS_AUTHORITIES.has(q.authority)) return;
      const values = call.args[1];
      const type = values === null ? null : jstr(values.getAsString("type"));
      const box = q.path.split("/")[1] ?? "";
      if (box !== "sent" && box !== "outbox" && type !== "2" && type !== "4") return;
      const body = values === null ? null : jstr(values.getAsString("body"));
      emitJava("sms:send", call, { dest: { address: values === null ? null : jstr(values.getAsString("address")) }, uri: q.uri },
        utf8(body));
    },
  };
  return {
    "android.telephony.SmsManager.sendTextMessage": { module: NAME, group: "sms.send", before: sendText },
    "android.telephony.SmsManager.sendMultipartTextMessage": { module: NAME, group: "sms.send", before: sendMultipart },
    "android.telephony.SmsManager.sendDataMessage": { module: NAME, group: "sms.send", before: sendData },
    "android.content.ContentResolver.query": query,
    "android.content.ContentResolver.insert": insert,
  };
});
