package android.app;

import android.content.Context;
import android.content.pm.ApplicationInfo;
import android.content.pm.PackageInfo;
import android.content.pm.PackageManager;
import android.vphone.SystemBridge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** android.app.ApplicationPackageManager: the runtime PackageManager. */
public class ApplicationPackageManager extends PackageManager {
    private final Context context;

    ApplicationPackageManager(Context context) {
        this.context = context;
    }

    private List<Map<String, Object>> visiblePackages() {
        List<Map<String, Object>> all = SystemBridge.rows("packages");
        if (SystemBridge.sdkInt() < 30 || SystemBridge.hasPermission("android.permission.QUERY_ALL_PACKAGES")) {
            return all;
        }
        List<Map<String, Object>> own = new ArrayList<>();
        for (Map<String, Object> p : all) {
            if (context.getPackageName().equals(p.get("packageName"))) {
                own.add(p);
            }
        }
        return own;
    }

    @Override
    public List<PackageInfo> getInstalledPackages(int flags) {
        List<PackageInfo> out = new ArrayList<>();
        for (Map<String, Object> p : visiblePackages()) {
            out.add(PackageInfo.fromRow(p));
        }
        return out;
    }

    @Override
    public List<PackageInfo> getInstalledPackages(PackageManager.PackageInfoFlags flags) {
        return getInstalledPackages((int) flags.getValue());
    }

    @Override
    public List<ApplicationInfo> getInstalledApplications(int flags) {
        List<ApplicationInfo> out = new ArrayList<>();
        for (Map<String, Object> p : visiblePackages()) {
            out.add(PackageInfo.fromRow(p).applicationInfo);
        }
        return out;
    }

    @Override
    public List<ApplicationInfo> getInstalledApplications(PackageManager.ApplicationInfoFlags flags) {
        return getInstalledApplications((int) flags.getValue());
    }
}
