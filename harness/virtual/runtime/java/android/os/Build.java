package android.os;

import android.vphone.SystemBridge;

public class Build {
    public static final String UNKNOWN = "unknown";
    public static final String ID = SystemBridge.build("ID", "AP2A.240805.005");
    public static final String DISPLAY = SystemBridge.build("DISPLAY", ID);
    public static final String PRODUCT = SystemBridge.build("PRODUCT", "vphone");
    public static final String DEVICE = SystemBridge.build("DEVICE", "vphone");
    public static final String BOARD = SystemBridge.build("BOARD", "vphone");
    public static final String MANUFACTURER = SystemBridge.build("MANUFACTURER", "Harness");
    public static final String BRAND = SystemBridge.build("BRAND", "harness");
    public static final String MODEL = SystemBridge.build("MODEL", "Virtual Phone");
    public static final String HARDWARE = SystemBridge.build("HARDWARE", "vphone");
    public static final String FINGERPRINT = SystemBridge.build("FINGERPRINT",
            "harness/vphone/vphone:14/AP2A.240805.005/1:user/release-keys");
    @Deprecated
    public static final String SERIAL = UNKNOWN;

    public Build() {}

    public static String getSerial() {
        return SystemBridge.checkDeviceIdAccess("getSerial") ? SystemBridge.identifier("serial") : UNKNOWN;
    }

    public static class VERSION {
        public static final int SDK_INT = SystemBridge.sdkInt();
        public static final String RELEASE = SystemBridge.build("VERSION.RELEASE", "14");
        public static final String INCREMENTAL = SystemBridge.build("VERSION.INCREMENTAL", "1");
        public static final String SECURITY_PATCH = SystemBridge.build("VERSION.SECURITY_PATCH", "2024-08-05");

        public VERSION() {}
    }

    public static class VERSION_CODES {
        public static final int O = 26;
        public static final int P = 28;
        public static final int Q = 29;
        public static final int R = 30;
        public static final int S = 31;
        public static final int TIRAMISU = 33;
        public static final int UPSIDE_DOWN_CAKE = 34;
        public static final int VANILLA_ICE_CREAM = 35;

        public VERSION_CODES() {}
    }
}
