package android.content.pm;

import android.vphone.SystemBridge;
import java.util.Map;

public class PackageInfo {
    public String packageName;
    public String versionName;
    public int versionCode;
    public ApplicationInfo applicationInfo;

    public PackageInfo() {}

    public long getLongVersionCode() { return versionCode; }

    /** Not an Android API: build one from a SystemBridge row. */
    public static PackageInfo fromRow(Map<String, Object> row) {
        PackageInfo p = new PackageInfo();
        p.packageName = SystemBridge.str(row.get("packageName"), null);
        p.versionName = SystemBridge.str(row.get("versionName"), null);
        p.versionCode = (int) SystemBridge.num(row.get("versionCode"), 0);
        ApplicationInfo a = new ApplicationInfo();
        a.packageName = p.packageName;
        a.flags = Boolean.TRUE.equals(row.get("system")) ? ApplicationInfo.FLAG_SYSTEM : 0;
        p.applicationInfo = a;
        return p;
    }

    @Override
    public String toString() { return "PackageInfo{" + packageName + "}"; }
}
