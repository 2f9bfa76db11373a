package android.vphone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * THE VIRTUAL PHONE'S SYSTEM-SERVICE BRIDGE (not an Android class).
 *
 * Every piece of device state the Android stub classes expose (identifiers, permissions, app-ops,
 * settings, providers, location, accounts, packages, clipboard) is read through this one class, the
 * way an Android app reaches system services over binder.  For now it reads a JSON snapshot file
 * named by the system property {@code vphone.system}; a later version talks to the virtual phone's
 * daemon over a socket instead, without changing any caller.
 *
 * Snapshot (all keys optional):
 * <pre>
 * {"package": "com.example.app", "uid": 10123, "pid": 4242, "targetSdk": 34, "sdkInt": 34,
 *  "identifiers": {"imei": "...", "meid": "...", "imsi": "...", "iccid": "...", "line1": "...",
 *                  "serial": "...", "android_id": "...", "adid": "...", "wifi_mac": "...",
 *                  "hw_mac": "...", "drm_id": "hex", "limit_ad_tracking": false},
 *  "build": {"MODEL": "...", "MANUFACTURER": "...", "FINGERPRINT": "...", ...},
 *  "permissions": ["android.permission.READ_PHONE_STATE", ...],
 *  "appops": {"READ_CONTACTS": "ignore", ...},
 *  "settings": {"secure": {"k": "v"}, "global": {}, "system": {}},
 *  "contacts": [{"_id": 1, "display_name": "...", "number": "..."}],
 *  "sms": [{"_id": 1, "address": "...", "body": "...", "date": 0, "type": 1}],
 *  "call_log": [{"number": "...", "date": 0, "duration": 0, "type": 1, "name": "..."}],
 *  "location": {"provider": "gps", "latitude": 0.0, "longitude": 0.0, "accuracy": 5.0, "time": 0},
 *  "accounts": [{"name": "...", "type": "com.google"}],
 *  "packages": [{"packageName": "...", "versionName": "1.0", "versionCode": 1, "system": false}],
 *  "clipboard": "text"}
 * </pre>
 * The tiny JSON reader below handles objects, arrays, strings (with escapes), numbers, booleans and null.
 */
public final class SystemBridge {
    public static final String PROPERTY = "vphone.system";
    private static Map<String, Object> snapshot;
    private static long snapshotAt;
    private static final long SNAPSHOT_TTL_NANOS = 100_000_000L;
    private static final List<Map<String, Object>> sentSms = new ArrayList<>();

    private SystemBridge() {}

    /** The whole snapshot (loaded once). */
    public static synchronized Map<String, Object> snapshot() {
        if (Binder.available()) {
            // live state from the phone; a short cache keeps one API call to one round trip
            long now = System.nanoTime();
            if (snapshot == null || now - snapshotAt > SNAPSHOT_TTL_NANOS) {
                snapshot = castMap(Binder.call("snapshot", new LinkedHashMap<>()));
                snapshotAt = now;
            }
            return snapshot;
        }
        if (snapshot == null) {
            String path = System.getProperty(PROPERTY);
            Map<String, Object> loaded = new LinkedHashMap<>();
            if (path != null && !path.isEmpty()) {
                try {
                    Object v = new Json(Files.readString(Path.of(path), StandardCharsets.UTF_8)).parse();
                    if (v instanceof Map) {
                        loaded = castMap(v);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("vphone: cannot read " + path + ": " + e.getMessage(), e);
                }
            }
            snapshot = loaded;
        }
        return snapshot;
    }

    /** Drop the cached snapshot so the next access re-reads the file (tests). */
    public static synchronized void reload() {
        snapshot = null;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> castMap(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Collections.emptyMap();
    }

    public static Map<String, Object> section(String name) {
        return castMap(snapshot().get(name));
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> rows(String name) {
        Object v = snapshot().get(name);
        List<Map<String, Object>> out = new ArrayList<>();
        if (v instanceof List) {
            for (Object o : (List<Object>) v) {
                out.add(castMap(o));
            }
        }
        if (name.equals("sms")) {
            synchronized (sentSms) {
                out.addAll(sentSms);
            }
        }
        return out;
    }

    public static String packageName() {
        return str(snapshot().get("package"), System.getProperty("vphone.package", "com.example.app"));
    }

    public static int uid() {
        return (int) num(snapshot().get("uid"), 10123);
    }

    public static int pid() {
        return (int) num(snapshot().get("pid"), ProcessHandle.current().pid());
    }

    public static int targetSdk() {
        return (int) num(snapshot().get("targetSdk"), 34);
    }

    public static int sdkInt() {
        return (int) num(snapshot().get("sdkInt"), 34);
    }

    public static String identifier(String key) {
        Object v = section("identifiers").get(key);
        return v == null ? null : String.valueOf(v);
    }

    public static boolean flag(String section, String key) {
        return Boolean.TRUE.equals(section(section).get(key));
    }

    public static String build(String key, String dflt) {
        return str(section("build").get(key), dflt);
    }

    @SuppressWarnings("unchecked")
    public static boolean hasPermission(String permission) {
        Object v = snapshot().get("permissions");
        return v instanceof List && ((List<Object>) v).contains(permission);
    }

    /** The app-op mode ("allow", "ignore", "deny", "default") for an op such as READ_CONTACTS. */
    public static String appOpMode(String op) {
        return str(section("appops").get(op), "allow");
    }

    public static boolean appOpIgnored(String op) {
        String mode = appOpMode(op);
        return mode.equals("ignore") || mode.equals("deny") || mode.equals("errored");
    }

    public static String setting(String namespace, String key) {
        Object v = castMap(section("settings").get(namespace)).get(key);
        return v == null ? null : String.valueOf(v);
    }

    public static String clipboard() {
        Object v = snapshot().get("clipboard");
        return v == null ? null : String.valueOf(v);
    }

    /** Record an SMS the app sent (so a later content://sms query sees it, as on Android). */
    public static void recordSentSms(String address, String body) {
        if (Binder.available()) {  // the radio takes it: the phone's SMS provider records it as sent
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("address", address);
            args.put("body", body);
            Binder.call("sms.send", args);
            reload();
            return;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("address", address);
        row.put("body", body);
        row.put("date", System.currentTimeMillis());
        row.put("type", 2L);
        synchronized (sentSms) {
            row.put("_id", 100000L + sentSms.size());
            sentSms.add(row);
        }
    }

    /** Android's "uid N does not have PERMISSION." SecurityException unless the app holds it. */
    public static void enforce(String permission, String what) {
        if (!hasPermission(permission)) {
            throw new SecurityException(what + ": uid " + uid() + " does not have " + permission + ".");
        }
    }

    /** Device-identifier access rules of API 29+ (TelephonyManager and Build.getSerial). */
    public static boolean checkDeviceIdAccess(String method) {
        if (hasPermission("android.permission.READ_PRIVILEGED_PHONE_STATE")) {
            return true;
        }
        if (sdkInt() <= 28) {  // before Android 10, READ_PHONE_STATE was enough
            enforce("android.permission.READ_PHONE_STATE", method);
            return true;
        }
        if (targetSdk() <= 28 && hasPermission("android.permission.READ_PHONE_STATE")) {
            return false;  // caller returns null
        }
        throw new SecurityException(method + ": The user " + uid()
                + " does not meet the requirements to access device identifiers.");
    }

    /** The provider-permission denial message of ActivityManagerService. */
    public static SecurityException providerDenial(String provider, String... perms) {
        String names = String.join(" or ", perms);
        return new SecurityException("Permission Denial: opening provider " + provider + " from ProcessRecord{"
                + Integer.toHexString(System.identityHashCode(SystemBridge.class)) + " " + pid() + ":" + packageName()
                + "/u0a" + (uid() % 100000 - 10000) + "} (pid=" + pid() + ", uid=" + uid() + ") requires " + names);
    }

    public static String str(Object v, String dflt) {
        return v == null ? dflt : String.valueOf(v);
    }

    public static double num(Object v, double dflt) {
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof String) {
            try {
                return Double.parseDouble((String) v);
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    /** A minimal JSON reader (objects become LinkedHashMap, arrays ArrayList, integers Long). */
    public static final class Json {
        private final String s;
        private int i;

        public Json(String s) {
            this.s = s;
        }

        public Object parse() {
            Object v = value();
            ws();
            if (i != s.length()) {
                throw error("trailing data");
            }
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("vphone JSON: " + what + " at offset " + i);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    expect(':');
                    m.put(k, value());
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                    } else {
                        expect('}');
                        return m;
                    }
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                    } else {
                        expect(']');
                        return l;
                    }
                }
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            if (n.isEmpty()) {
                throw error("unexpected character");
            }
            if (n.contains(".") || n.contains("e") || n.contains("E")) {
                return Double.parseDouble(n);
            }
            return Long.parseLong(n);
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
        }
    }
}
