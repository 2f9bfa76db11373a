package android.net.wifi;

import android.vphone.SystemBridge;

public class WifiInfo {
    /** @hide */
    public WifiInfo() {}

    public String getMacAddress() {
        if (!SystemBridge.hasPermission("android.permission.LOCAL_MAC_ADDRESS")) {
            return "02:00:00:00:00:00";
        }
        return SystemBridge.str(SystemBridge.identifier("wifi_mac"), "02:00:00:00:00:00");
    }

    public String getBSSID() { return SystemBridge.str(SystemBridge.identifier("bssid"), "02:00:00:00:00:00"); }

    public String getSSID() { return SystemBridge.str(SystemBridge.identifier("ssid"), "<unknown ssid>"); }
}
