package com.vendor.analytics;

import android.os.Build;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The vendor's firmware versions ("V10.3.2.0", the build's incremental) and their order. */
final class FirmwareVersion {
    private static final Pattern VERSION = Pattern.compile("^V(\\d+(?:\\.\\d+)*)");

    private FirmwareVersion() {}

    /** The running firmware: the incremental field of the build fingerprint
     *  ({@code brand/product/device:release/id/incremental:type/tags}). */
    static String current() {
        String[] fields = Build.FINGERPRINT.split("/");
        return fields.length >= 5 ? fields[4].split(":")[0] : Build.UNKNOWN;
    }

    /** Whether {@code version} is a vendor firmware at or after {@code minimum}; false for other builds. */
    static boolean atLeast(String version, String minimum) {
        int[] a = parts(version);
        int[] b = parts(minimum);
        if (a.length == 0) {
            return false;
        }
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) {
                return x > y;
            }
        }
        return true;
    }

    private static int[] parts(String version) {
        Matcher m = VERSION.matcher(version == null ? "" : version);
        if (!m.find()) {
            return new int[0];
        }
        String[] fields = m.group(1).split("\\.");
        int[] out = new int[fields.length];
        for (int i = 0; i < fields.length; i++) {
            out[i] = Integer.parseInt(fields[i]);
        }
        return out;
    }
}
