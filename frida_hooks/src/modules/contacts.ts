/* contacts: ContentResolver queries on contacts (contacts:read) and the call log (calllog:read). */
import { emitJava } from "../java_util.js";
import { cursorRows, maxRows, queryInfo } from "../provider_util.js";
import { javaModule } from "./java_module.js";

const NAME = "contacts";
const KINDS: Record<string, string> = {
  "com.android.contacts": "contacts:read",
  contacts: "contacts:read",
  icc: "contacts:read",
  call_log: "calllog:read",
  call_log_shadow: "calllog:read",
};

export default javaModule(NAME, (options) => {
  const max = maxRows(options);
  return {
    "android.content.ContentResolver.query": {
      module: NAME,
      after(call) {
        const q = queryInfo(call);
        const type = KINDS[q.authority];
        if (type === undefined) return;
        const r = cursorRows(call.ret, max);
        emitJava(type, call, {
          value: r === null ? null : JSON.stringify(r.rows),
          uri: q.uri, projection: q.projection, selection: q.selection, row_count: r === null ? null : r.count,
        });
      },
    },
  };
});
