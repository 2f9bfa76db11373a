package android.provider;

import android.content.ContentResolver;
import android.net.Uri;
import android.vphone.SystemBridge;

public final class Settings {
    private Settings() {}

    public static class NameValueTable {
        public static final String NAME = "name";
        public static final String VALUE = "value";

        public NameValueTable() {}
    }

    public static class SettingNotFoundException extends Exception {
        public SettingNotFoundException(String msg) { super(msg); }
    }

    static String get(String ns, String name) {
        if (ns.equals("secure") && name.equals(Secure.ANDROID_ID)) {
            String id = SystemBridge.setting(ns, name);
            return id != null ? id : SystemBridge.identifier("android_id");
        }
        return SystemBridge.setting(ns, name);
    }

    static int getInt(String ns, String name) throws SettingNotFoundException {
        String v = get(ns, name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new SettingNotFoundException(name);
        }
    }

    static int getInt(String ns, String name, int def) {
        try {
            return getInt(ns, name);
        } catch (SettingNotFoundException e) {
            return def;
        }
    }

    public static final class Secure extends NameValueTable {
        public static final String ANDROID_ID = "android_id";
        public static final Uri CONTENT_URI = Uri.parse("content://settings/secure");

        public Secure() {}

        public static String getString(ContentResolver resolver, String name) { return get("secure", name); }
        public static int getInt(ContentResolver cr, String name) throws SettingNotFoundException { return Settings.getInt("secure", name); }
        public static int getInt(ContentResolver cr, String name, int def) { return Settings.getInt("secure", name, def); }
        public static boolean putString(ContentResolver resolver, String name, String value) { return false; }
        public static Uri getUriFor(String name) { return Uri.withAppendedPath(CONTENT_URI, name); }
    }

    public static final class Global extends NameValueTable {
        public static final Uri CONTENT_URI = Uri.parse("content://settings/global");

        public Global() {}

        public static String getString(ContentResolver resolver, String name) { return get("global", name); }
        public static int getInt(ContentResolver cr, String name) throws SettingNotFoundException { return Settings.getInt("global", name); }
        public static int getInt(ContentResolver cr, String name, int def) { return Settings.getInt("global", name, def); }
        public static boolean putString(ContentResolver resolver, String name, String value) { return false; }
        public static Uri getUriFor(String name) { return Uri.withAppendedPath(CONTENT_URI, name); }
    }

    public static final class System extends NameValueTable {
        @Deprecated
        public static final String ANDROID_ID = Secure.ANDROID_ID;
        public static final Uri CONTENT_URI = Uri.parse("content://settings/system");

        public System() {}

        public static String getString(ContentResolver resolver, String name) { return get("system", name); }
        public static int getInt(ContentResolver cr, String name) throws SettingNotFoundException { return Settings.getInt("system", name); }
        public static int getInt(ContentResolver cr, String name, int def) { return Settings.getInt("system", name, def); }
        public static boolean putString(ContentResolver resolver, String name, String value) { return false; }
        public static Uri getUriFor(String name) { return Uri.withAppendedPath(CONTENT_URI, name); }
    }
}
