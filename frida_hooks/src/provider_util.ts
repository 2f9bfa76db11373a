/* ContentResolver helpers shared by the sms and contacts modules. */
import { jstr, hex, type JavaCall, type JWrapper } from "./java_util.js";

export const SQL_SELECTION = "android:query-arg-sql-selection";

export interface QueryInfo {
  uri: string;
  authority: string;
  path: string;
  projection: string[] | null;
  selection: string | null;
}

/** The uri, projection and selection of any ContentResolver.query overload. */
export function queryInfo(call: JavaCall): QueryInfo {
  const uri = jstr(call.args[0]) ?? "";
  const m = /^content:\/\/([^/?#]*)([^?#]*)/.exec(uri);
  const proj = call.args[1];
  const projection: string[] | null = proj === null || proj === undefined ? null : Array.from({ length: proj.length }, (_v, i) => String(proj[i]));
  let selection: string | null = null;
  if (call.argTypes[2] === "java.lang.String") {
    selection = jstr(call.args[2]);
  } else if (call.argTypes[2] === "android.os.Bundle" && call.args[2] !== null) {
    selection = jstr(call.args[2].getString(SQL_SELECTION));
  }
  return { uri, authority: m !== null ? m[1] : "", path: m !== null ? m[2] : "", projection, selection };
}

export interface Rows {
  columns: string[];
  rows: Record<string, string | null>[];
  count: number;
}

/** Read up to `max` rows of a Cursor and put it back where it was (the app's cursor is not consumed). */
export function cursorRows(cursor: JWrapper, max: number): Rows | null {
  if (cursor === null || cursor === undefined) return null;
  const names = cursor.getColumnNames();
  const columns: string[] = Array.from({ length: names.length }, (_v, i) => String(names[i]));
  const count: number = cursor.getCount();
  const pos: number = cursor.getPosition();
  const rows: Record<string, string | null>[] = [];
  try {
    for (let i = 0; i < Math.min(count, max); i++) {
      if (!cursor.moveToPosition(i)) break;
      const row: Record<string, string | null> = {};
      columns.forEach((c, j) => {
        let v: string | null;
        try {
          v = cursor.getType(j) === 4 ? hex(bytesOf(cursor.getBlob(j))) : jstr(cursor.getString(j));
        } catch (_e) {
          v = null;
        }
        row[c] = v;
      });
      rows.push(row);
    }
  } finally {
    cursor.moveToPosition(pos);
  }
  return { columns, rows, count };
}

function bytesOf(arr: JWrapper): ArrayBuffer | null {
  if (arr === null) return null;
  const out = new Uint8Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = arr[i] & 0xff;
  return out.buffer as ArrayBuffer;
}

export function maxRows(options: Record<string, unknown>): number {
  const v = options.maxRows;
  return typeof v === "number" && v > 0 ? v : 200;
}
