package android.location;

import android.app.PendingIntent;
import android.content.Context;
import android.os.CancellationSignal;
import android.os.Looper;
import android.vphone.SystemBridge;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/** android.location.LocationManager; the fix comes from SystemBridge, callbacks run inline. */
public class LocationManager {
    public static final String GPS_PROVIDER = "gps";
    public static final String NETWORK_PROVIDER = "network";
    public static final String FUSED_PROVIDER = "fused";
    private final Context context;

    /** @hide */
    public LocationManager(Context context) { this.context = context; }

    private static void enforce() {
        if (!SystemBridge.hasPermission("android.permission.ACCESS_FINE_LOCATION")
                && !SystemBridge.hasPermission("android.permission.ACCESS_COARSE_LOCATION")) {
            throw new SecurityException("uid " + SystemBridge.uid() + " does not have "
                    + "android.permission.ACCESS_COARSE_LOCATION or android.permission.ACCESS_FINE_LOCATION.");
        }
    }

    private static Location fix(String provider) {
        enforce();
        Map<String, Object> m = SystemBridge.section("location");
        if (m.isEmpty() || SystemBridge.appOpIgnored("FINE_LOCATION") && SystemBridge.appOpIgnored("COARSE_LOCATION")) {
            return null;
        }
        Location l = new Location(provider != null ? provider : SystemBridge.str(m.get("provider"), GPS_PROVIDER));
        l.setLatitude(SystemBridge.num(m.get("latitude"), 0));
        l.setLongitude(SystemBridge.num(m.get("longitude"), 0));
        l.setAccuracy((float) SystemBridge.num(m.get("accuracy"), 10));
        l.setTime((long) SystemBridge.num(m.get("time"), System.currentTimeMillis()));
        return l;
    }

    private static void deliver(String provider, LocationListener listener) {
        Location l = fix(provider);
        if (l != null && listener != null) {
            listener.onLocationChanged(l);
        }
    }

    public Location getLastKnownLocation(String provider) { return fix(provider); }

    public void requestLocationUpdates(String provider, long minTimeMs, float minDistanceM, LocationListener listener) {
        deliver(provider, listener);
    }

    public void requestLocationUpdates(String provider, long minTimeMs, float minDistanceM, LocationListener listener,
                                       Looper looper) {
        deliver(provider, listener);
    }

    public void requestLocationUpdates(String provider, long minTimeMs, float minDistanceM, PendingIntent pendingIntent) {
        enforce();
    }

    public void requestLocationUpdates(long minTimeMs, float minDistanceM, Criteria criteria, LocationListener listener,
                                       Looper looper) {
        deliver(null, listener);
    }

    public void requestLocationUpdates(long minTimeMs, float minDistanceM, Criteria criteria, PendingIntent pendingIntent) {
        enforce();
    }

    public void requestLocationUpdates(String provider, long minTimeMs, float minDistanceM, Executor executor,
                                       LocationListener listener) {
        Location l = fix(provider);
        if (l != null) {
            executor.execute(() -> listener.onLocationChanged(l));
        }
    }

    public void requestLocationUpdates(long minTimeMs, float minDistanceM, Criteria criteria, Executor executor,
                                       LocationListener listener) {
        requestLocationUpdates(null, minTimeMs, minDistanceM, executor, listener);
    }

    public void requestLocationUpdates(String provider, LocationRequest locationRequest, Executor executor,
                                       LocationListener listener) {
        requestLocationUpdates(provider, 0L, 0f, executor, listener);
    }

    public void requestLocationUpdates(String provider, LocationRequest locationRequest, PendingIntent pendingIntent) {
        enforce();
    }

    public void removeUpdates(LocationListener listener) {}

    public void getCurrentLocation(String provider, CancellationSignal cancellationSignal, Executor executor,
                                   Consumer<Location> consumer) {
        Location l = fix(provider);
        executor.execute(() -> consumer.accept(l));
    }

    public void getCurrentLocation(String provider, LocationRequest locationRequest, CancellationSignal cancellationSignal,
                                   Executor executor, Consumer<Location> consumer) {
        getCurrentLocation(provider, cancellationSignal, executor, consumer);
    }

    public boolean isProviderEnabled(String provider) { return true; }
}
