package android.net.wifi;

import android.content.Context;

public class WifiManager {
    private final Context context;

    /** @hide */
    public WifiManager(Context context) { this.context = context; }

    @Deprecated
    public WifiInfo getConnectionInfo() { return new WifiInfo(); }

    public boolean isWifiEnabled() { return true; }
}
