package android.content;

import android.database.Cursor;
import android.database.MatrixCursor;
import android.net.Uri;
import android.os.Bundle;
import android.os.CancellationSignal;
import android.vphone.SystemBridge;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * android.content.ContentResolver.  Delegation as on API 30+: query 5 args -> 6 args -> Bundle form;
 * insert 2 args -> 3 args.  The providers (contacts, sms, mms, call_log) read through SystemBridge.
 */
public abstract class ContentResolver {
    public static final String QUERY_ARG_SQL_SELECTION = "android:query-arg-sql-selection";
    public static final String QUERY_ARG_SQL_SELECTION_ARGS = "android:query-arg-sql-selection-args";
    public static final String QUERY_ARG_SQL_SORT_ORDER = "android:query-arg-sql-sort-order";
    public static final String SCHEME_CONTENT = "content";

    private final Context context;

    public ContentResolver(Context context) {
        this.context = context;
    }

    public final Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs, String sortOrder) {
        return query(uri, projection, selection, selectionArgs, sortOrder, null);
    }

    public final Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs,
                              String sortOrder, CancellationSignal cancellationSignal) {
        Bundle args = new Bundle();
        if (selection != null) {
            args.putString(QUERY_ARG_SQL_SELECTION, selection);
        }
        if (selectionArgs != null) {
            args.putStringArray(QUERY_ARG_SQL_SELECTION_ARGS, selectionArgs);
        }
        if (sortOrder != null) {
            args.putString(QUERY_ARG_SQL_SORT_ORDER, sortOrder);
        }
        return query(uri, projection, args, cancellationSignal);
    }

    public final Cursor query(Uri uri, String[] projection, Bundle queryArgs, CancellationSignal cancellationSignal) {
        if (cancellationSignal != null) {
            cancellationSignal.throwIfCanceled();
        }
        Provider p = Provider.forUri(uri);
        if (p == null) {
            return null;  // Android: unknown authority -> null cursor
        }
        p.enforceRead();
        if (SystemBridge.appOpIgnored(p.readOp)) {
            return new MatrixCursor(projection != null ? projection : p.columns(uri));
        }
        String[] cols = projection != null ? projection : p.columns(uri);
        MatrixCursor c = new MatrixCursor(cols);
        for (Map<String, Object> row : p.rows(uri)) {
            Object[] values = new Object[cols.length];
            for (int i = 0; i < cols.length; i++) {
                values[i] = row.get(cols[i]);
            }
            c.addRow(values);
        }
        return c;
    }

    public final Uri insert(Uri url, ContentValues values) {
        return insert(url, values, null);
    }

    public final Uri insert(Uri url, ContentValues values, Bundle extras) {
        Provider p = Provider.forUri(url);
        if (p == null) {
            throw new IllegalArgumentException("Unknown URL " + url);
        }
        p.enforceWrite();
        if (SystemBridge.appOpIgnored(p.writeOp)) {
            return null;
        }
        if (p == Provider.SMS) {
            String path = url.getPath();
            String type = values.getAsString("type");
            if (path.startsWith("/sent") || path.startsWith("/outbox") || "2".equals(type) || "4".equals(type)) {
                SystemBridge.recordSentSms(values.getAsString("address"), values.getAsString("body"));
            }
            return Uri.parse("content://sms/" + System.nanoTime() % 100000);
        }
        return Uri.withAppendedPath(url, "1");
    }

    /** The content providers the virtual phone serves. */
    enum Provider {
        CONTACTS("com.android.contacts", "com.android.providers.contacts.ContactsProvider2", "contacts",
                "READ_CONTACTS", "WRITE_CONTACTS", "android.permission.READ_CONTACTS", "android.permission.WRITE_CONTACTS"),
        SMS("sms", "com.android.providers.telephony.SmsProvider", "sms",
                "READ_SMS", "WRITE_SMS", "android.permission.READ_SMS", "android.permission.WRITE_SMS"),
        MMS("mms", "com.android.providers.telephony.MmsProvider", "mms",
                "READ_SMS", "WRITE_SMS", "android.permission.READ_SMS", "android.permission.WRITE_SMS"),
        MMS_SMS("mms-sms", "com.android.providers.telephony.MmsSmsProvider", "sms",
                "READ_SMS", "WRITE_SMS", "android.permission.READ_SMS", "android.permission.WRITE_SMS"),
        CALL_LOG("call_log", "com.android.providers.contacts.CallLogProvider", "call_log",
                "READ_CALL_LOG", "WRITE_CALL_LOG", "android.permission.READ_CALL_LOG", "android.permission.WRITE_CALL_LOG");

        final String authority;
        final String providerClass;
        final String table;
        final String readOp;
        final String writeOp;
        final String readPermission;
        final String writePermission;

        Provider(String authority, String providerClass, String table, String readOp, String writeOp,
                 String readPermission, String writePermission) {
            this.authority = authority;
            this.providerClass = providerClass;
            this.table = table;
            this.readOp = readOp;
            this.writeOp = writeOp;
            this.readPermission = readPermission;
            this.writePermission = writePermission;
        }

        static Provider forUri(Uri uri) {
            String a = uri.getAuthority();
            for (Provider p : values()) {
                if (p.authority.equals(a)) {
                    return p;
                }
            }
            return null;
        }

        void enforceRead() {
            if (!SystemBridge.hasPermission(readPermission) && !SystemBridge.hasPermission(writePermission)) {
                throw SystemBridge.providerDenial(providerClass, readPermission, writePermission);
            }
        }

        void enforceWrite() {
            if (!SystemBridge.hasPermission(writePermission) && this != SMS && this != MMS) {
                throw SystemBridge.providerDenial(providerClass, writePermission);
            }
        }

        String[] columns(Uri uri) {
            switch (this) {
                case CONTACTS:
                    if (uri.getPath().startsWith("/data")) {
                        return new String[] {"_id", "contact_id", "raw_contact_id", "mimetype", "display_name",
                                "data1", "data2", "data4"};
                    }
                    return new String[] {"_id", "display_name", "lookup", "has_phone_number"};
                case CALL_LOG:
                    return new String[] {"_id", "number", "date", "duration", "type", "name"};
                case MMS:
                    return new String[] {"_id", "thread_id", "date", "msg_box", "sub"};
                default:
                    return new String[] {"_id", "thread_id", "address", "person", "date", "date_sent", "read",
                            "seen", "type", "body"};
            }
        }

        List<Map<String, Object>> rows(Uri uri) {
            if (this == MMS) {
                return new ArrayList<>();
            }
            List<Map<String, Object>> rows = SystemBridge.rows(table);
            long id = 1;
            for (Map<String, Object> r : rows) {
                r.putIfAbsent("_id", id++);
                if (this == CONTACTS) {
                    Object number = r.get("number");
                    r.putIfAbsent("data1", number);
                    r.putIfAbsent("contact_id", r.get("_id"));
                    r.putIfAbsent("raw_contact_id", r.get("_id"));
                    r.putIfAbsent("has_phone_number", number == null ? 0L : 1L);
                    r.putIfAbsent("lookup", "lookup-" + r.get("_id"));
                    r.putIfAbsent("mimetype", "vnd.android.cursor.item/phone_v2");
                }
            }
            if (this == SMS || this == MMS_SMS) {
                List<String> segs = uri.getPathSegments();
                String box = segs.isEmpty() ? "" : segs.get(0);
                long want = Arrays.asList("", "inbox", "sent", "draft", "outbox").indexOf(box);
                if (want > 0) {
                    List<Map<String, Object>> out = new ArrayList<>();
                    for (Map<String, Object> r : rows) {
                        if ((long) SystemBridge.num(r.get("type"), 1) == want) {
                            out.add(r);
                        }
                    }
                    return out;
                }
            }
            return rows;
        }
    }
}
