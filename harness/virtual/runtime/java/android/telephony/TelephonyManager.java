package android.telephony;

import android.content.Context;
import android.vphone.SystemBridge;

/** android.telephony.TelephonyManager; identifier getters follow the API 29+ access rules. */
public class TelephonyManager {
    private final Context context;

    /** @hide */
    public TelephonyManager(Context context) {
        this.context = context;
    }

    private static String deviceId(String method, String key) {
        return SystemBridge.checkDeviceIdAccess(method) ? SystemBridge.identifier(key) : null;
    }

    @Deprecated
    public String getDeviceId() { return deviceId("getDeviceId", "imei"); }

    @Deprecated
    public String getDeviceId(int slotIndex) { return deviceId("getDeviceId", "imei"); }

    public String getImei() { return deviceId("getImei", "imei"); }

    public String getImei(int slotIndex) { return deviceId("getImei", "imei"); }

    public String getMeid() { return deviceId("getMeid", "meid"); }

    public String getMeid(int slotIndex) { return deviceId("getMeid", "meid"); }

    public String getSubscriberId() { return deviceId("getSubscriberId", "imsi"); }

    public String getSimSerialNumber() { return deviceId("getSimSerialNumber", "iccid"); }

    public String getLine1Number() {
        if (!SystemBridge.hasPermission("android.permission.READ_PHONE_STATE")
                && !SystemBridge.hasPermission("android.permission.READ_SMS")
                && !SystemBridge.hasPermission("android.permission.READ_PHONE_NUMBERS")) {
            throw new SecurityException("getLine1Number: Neither user " + SystemBridge.uid()
                    + " nor current process has android.permission.READ_PHONE_STATE, "
                    + "android.permission.READ_SMS, or android.permission.READ_PHONE_NUMBERS");
        }
        return SystemBridge.identifier("line1");
    }

    public String getSimOperator() { return SystemBridge.str(SystemBridge.identifier("sim_operator"), "310260"); }

    public String getSimOperatorName() { return SystemBridge.str(SystemBridge.identifier("sim_operator_name"), "Android"); }

    public String getNetworkOperator() { return getSimOperator(); }

    public String getNetworkOperatorName() { return getSimOperatorName(); }

    public String getSimCountryIso() { return SystemBridge.str(SystemBridge.identifier("country_iso"), "us"); }

    public String getNetworkCountryIso() { return getSimCountryIso(); }

    public TelephonyManager createForSubscriptionId(int subId) { return this; }
}
