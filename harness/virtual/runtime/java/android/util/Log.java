package android.util;

import android.vphone.Binder;
import java.util.LinkedHashMap;
import java.util.Map;

/** android.util.Log: lines go to the phone's logcat (or stderr outside the virtual phone). */
public final class Log {
    public static final int VERBOSE = 2;
    public static final int DEBUG = 3;
    public static final int INFO = 4;
    public static final int WARN = 5;
    public static final int ERROR = 6;

    private Log() {}

    private static int write(String priority, String tag, String msg, Throwable tr) {
        String message = tr == null ? msg : msg + "\n" + tr;
        if (Binder.available()) {
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("priority", priority);
            args.put("tag", tag);
            args.put("message", message);
            Binder.call("log", args);
        } else {
            System.err.println(priority + "/" + tag + ": " + message);
        }
        return message.length();
    }

    public static int v(String tag, String msg) { return write("V", tag, msg, null); }
    public static int d(String tag, String msg) { return write("D", tag, msg, null); }
    public static int i(String tag, String msg) { return write("I", tag, msg, null); }
    public static int w(String tag, String msg) { return write("W", tag, msg, null); }
    public static int e(String tag, String msg) { return write("E", tag, msg, null); }
    public static int w(String tag, String msg, Throwable tr) { return write("W", tag, msg, tr); }
    public static int e(String tag, String msg, Throwable tr) { return write("E", tag, msg, tr); }
}
