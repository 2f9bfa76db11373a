package android.location;

import android.app.PendingIntent;
import android.content.Context;
import android.os.CancellationSignal;
import android.os.Looper;
import android.vphone.SystemBridge;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * android.location.LocationManager; fixes come from SystemBridge, callbacks run inline.
 *
 * The phone's "location" section is {"enabled": bool, "providers": {name: {"enabled": bool, "fix": {...}}}}:
 * the master switch and each provider as `cmd location` left them (a test provider's fix replaces the
 * real one).  A snapshot file may instead give one fix for every provider: {"provider", "latitude", ...}.
 * With location off, or the provider disabled, there is no location: getLastKnownLocation returns null,
 * updates never come and getCurrentLocation delivers null, as on Android.
 */
public class LocationManager {
    public static final String GPS_PROVIDER = "gps";
    public static final String NETWORK_PROVIDER = "network";
    public static final String FUSED_PROVIDER = "fused";
    public static final String PASSIVE_PROVIDER = "passive";
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

    private static Map<String, Object> section() {
        return SystemBridge.section("location");
    }

    private static boolean locationOn(Map<String, Object> m) {
        return !m.isEmpty() && !Boolean.FALSE.equals(m.get("enabled"));
    }

    /** The provider's entry from the phone, or null when the section gives one fix for all. */
    private static Map<String, Object> providerState(Map<String, Object> m, String name) {
        Object providers = m.get("providers");
        return providers instanceof Map ? SystemBridge.castMap(SystemBridge.castMap(providers).get(name)) : null;
    }

    private static Location fix(String provider) {
        enforce();
        Map<String, Object> m = section();
        if (!locationOn(m) || SystemBridge.appOpIgnored("FINE_LOCATION") && SystemBridge.appOpIgnored("COARSE_LOCATION")) {
            return null;  // location off: the location app-ops are restricted, providers report nothing
        }
        String name = provider != null ? provider : SystemBridge.str(m.get("provider"), GPS_PROVIDER);
        Map<String, Object> f = m;
        Map<String, Object> state = providerState(m, name);
        if (state != null) {
            f = SystemBridge.castMap(state.get("fix"));
            if (!Boolean.TRUE.equals(state.get("enabled")) || f.isEmpty()) {
                return null;
            }
        }
        Location l = new Location(name);
        l.setLatitude(SystemBridge.num(f.get("latitude"), 0));
        l.setLongitude(SystemBridge.num(f.get("longitude"), 0));
        l.setAccuracy((float) SystemBridge.num(f.get("accuracy"), 10));
        l.setTime((long) SystemBridge.num(f.get("time"), System.currentTimeMillis()));
        l.setMock(Boolean.TRUE.equals(f.get("mock")));
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

    public boolean isProviderEnabled(String provider) {
        Map<String, Object> m = section();
        if (!locationOn(m)) {
            return false;
        }
        Map<String, Object> state = providerState(m, provider);
        return state == null || Boolean.TRUE.equals(state.get("enabled"));
    }

    public boolean isLocationEnabled() { return locationOn(section()); }
}
