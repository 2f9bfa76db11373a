package android.content;

import android.content.pm.PackageManager;

public abstract class Context {
    public static final String TELEPHONY_SERVICE = "phone";
    public static final String LOCATION_SERVICE = "location";
    public static final String CLIPBOARD_SERVICE = "clipboard";
    public static final String ACCOUNT_SERVICE = "account";
    public static final String WIFI_SERVICE = "wifi";
    public static final String TELEPHONY_SUBSCRIPTION_SERVICE = "telephony_subscription_service";

    public Context() {}

    public abstract ContentResolver getContentResolver();
    public abstract PackageManager getPackageManager();
    public abstract String getPackageName();
    public abstract Object getSystemService(String name);
    public abstract Context getApplicationContext();
    public abstract int checkSelfPermission(String permission);
}
