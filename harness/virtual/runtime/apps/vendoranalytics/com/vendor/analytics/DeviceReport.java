package com.vendor.analytics;

import android.content.Context;
import android.content.pm.PackageInfo;
import android.os.Build;
import android.telephony.TelephonyManager;
import android.util.Log;
import java.util.ArrayList;
import java.util.List;

/** What the vendor collects about the device: model, firmware, IMEI and the installed packages. */
record DeviceReport(String model, String firmware, String imei, List<String> packages) {

    static DeviceReport collect(Context context) {
        List<String> packages = new ArrayList<>();
        for (PackageInfo info : context.getPackageManager().getInstalledPackages(0)) {
            packages.add(info.packageName);
        }
        return new DeviceReport(Build.MODEL, FirmwareVersion.current(), imei(context), packages);
    }

    private static String imei(Context context) {
        try {
            TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
            return telephony.getImei();
        } catch (SecurityException e) {
            Log.w(AnalyticsService.TAG, "no access to the IMEI: " + e.getMessage());
            return null;
        }
    }

    String toJson(String type) {
        StringBuilder json = new StringBuilder("{\"type\":").append(Json.quote(type))
                .append(",\"model\":").append(Json.quote(model))
                .append(",\"firmware\":").append(Json.quote(firmware))
                .append(",\"imei\":").append(Json.quote(imei))
                .append(",\"packages\":[");
        for (int i = 0; i < packages.size(); i++) {
            json.append(i == 0 ? "" : ",").append(Json.quote(packages.get(i)));
        }
        return json.append("]}").toString();
    }
}
