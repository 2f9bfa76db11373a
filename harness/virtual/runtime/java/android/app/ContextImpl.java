package android.app;

import android.accounts.AccountManager;
import android.content.ClipboardManager;
import android.content.ContentResolver;
import android.content.Context;
import android.content.pm.PackageManager;
import android.location.LocationManager;
import android.net.wifi.WifiManager;
import android.telephony.TelephonyManager;
import android.vphone.SystemBridge;

/** android.app.ContextImpl (package-private on Android); the stubs' app context. */
class ContextImpl extends Context {
    private final ContentResolver resolver = new ApplicationContentResolver(this);
    private final PackageManager pm = new ApplicationPackageManager(this);

    ContextImpl() {}

    /** Not an Android API: the app Context behind ActivityThread.currentApplication(). */
    static Context createAppContext() {
        return new ContextImpl();
    }

    @Override public ContentResolver getContentResolver() { return resolver; }
    @Override public PackageManager getPackageManager() { return pm; }
    @Override public String getPackageName() { return SystemBridge.packageName(); }
    @Override public Context getApplicationContext() { return this; }

    @Override
    public int checkSelfPermission(String permission) {
        return SystemBridge.hasPermission(permission) ? PackageManager.PERMISSION_GRANTED : PackageManager.PERMISSION_DENIED;
    }

    @Override
    public Object getSystemService(String name) {
        switch (name) {
            case TELEPHONY_SERVICE: return new TelephonyManager(this);
            case LOCATION_SERVICE: return new LocationManager(this);
            case CLIPBOARD_SERVICE: return new ClipboardManager(this);
            case ACCOUNT_SERVICE: return AccountManager.get(this);
            case WIFI_SERVICE: return new WifiManager(this);
            default: return null;
        }
    }

    static final class ApplicationContentResolver extends ContentResolver {
        ApplicationContentResolver(Context context) {
            super(context);
        }
    }
}
