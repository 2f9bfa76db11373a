package com.google.android.gms.ads.identifier;

import android.content.Context;
import android.vphone.SystemBridge;
import java.io.IOException;

/** The Play services advertising-ID client (bundled in apps; the value comes from SystemBridge). */
public class AdvertisingIdClient {
    public AdvertisingIdClient(Context context) {}

    public static Info getAdvertisingIdInfo(Context context) throws IOException {
        boolean lat = SystemBridge.flag("identifiers", "limit_ad_tracking")
                || SystemBridge.targetSdk() >= 33 && !SystemBridge.hasPermission("com.google.android.gms.permission.AD_ID");
        String id = lat ? "00000000-0000-0000-0000-000000000000" : SystemBridge.identifier("adid");
        if (id == null) {
            throw new IOException("Google Play services not available");
        }
        return new Info(id, lat);
    }

    public static final class Info {
        private final String id;
        private final boolean limitAdTracking;

        public Info(String advertisingId, boolean limitAdTrackingEnabled) {
            this.id = advertisingId;
            this.limitAdTracking = limitAdTrackingEnabled;
        }

        public String getId() { return id; }

        public boolean isLimitAdTrackingEnabled() { return limitAdTracking; }

        @Override
        public String toString() { return "{" + id + "}" + limitAdTracking; }
    }
}
