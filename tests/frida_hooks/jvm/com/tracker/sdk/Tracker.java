package com.tracker.sdk;

import android.content.Context;
import android.provider.Settings;
import android.telephony.SmsManager;
import android.telephony.TelephonyManager;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** A third-party "SDK" inside the test app: the hooks must attribute its calls to com.tracker.sdk. */
public final class Tracker {
    private final Context context;

    public Tracker(Context context) {
        this.context = context;
    }

    public void sendSms(String to, String text) {
        SmsManager.getDefault().sendTextMessage(to, null, text, null, null);
    }

    public String collectImei() {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        return tm.getImei();
    }

    public String collectAndroidId() {
        return Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
    }

    public String collectAdId() throws java.io.IOException {
        return AdvertisingIdClient.getAdvertisingIdInfo(context).getId();
    }

    public int upload(String url, String json) throws java.io.IOException {
        OkHttpClient client = new OkHttpClient();
        Request req = new Request.Builder()
                .url(url)
                .header("X-Tracker-Key", "tk-123")
                .post(RequestBody.create(MediaType.get("application/json"), json))
                .build();
        try (Response r = client.newCall(req).execute()) {
            return r.code();
        }
    }
}
