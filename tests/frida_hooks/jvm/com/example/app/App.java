package com.example.app;

import android.accounts.AccountManager;
import android.app.ActivityThread;
import android.content.ClipboardManager;
import android.content.ContentResolver;
import android.content.ContentValues;
import android.content.Context;
import android.database.Cursor;
import android.location.Location;
import android.location.LocationManager;
import android.media.MediaDrm;
import android.net.Uri;
import android.net.wifi.WifiManager;
import android.os.Build;
import android.provider.CallLog;
import android.provider.ContactsContract;
import android.provider.Telephony;
import android.telephony.SmsManager;
import android.telephony.TelephonyManager;
import com.tracker.sdk.Tracker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.UUID;

/**
 * Test app for the hook tests: prints "ready", waits for a line on stdin, runs the actions named
 * in argv (sms, contacts, ids, http, huc, misc, denied), prints "done", waits for a line, exits.
 * The collector URL comes from -Dcollector=http://127.0.0.1:PORT.
 */
public final class App {
    private App() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Context ctx = ActivityThread.currentApplication();
        Tracker tracker = new Tracker(ctx);
        System.out.println("ready");
        System.out.flush();
        in.readLine();
        String collector = System.getProperty("collector", "http://127.0.0.1:9");
        for (String action : args) {
            switch (action) {
                case "sms": sms(tracker); break;
                case "contacts": contacts(ctx); break;
                case "ids": ids(ctx, tracker); break;
                case "http": System.out.println("okhttp " + tracker.upload(collector + "/v1/collect", "{\"imei\":\"" + tracker.collectImei() + "\"}")); break;
                case "huc": huc(collector); break;
                case "misc": misc(ctx); break;
                case "denied": denied(ctx); break;
                case "tls": tls(Integer.getInteger("tls", 9)); break;
                case "webview": new android.webkit.WebView(ctx).loadUrl(collector + "/page?from=webview"); break;
                default: throw new IllegalArgumentException(action);
            }
        }
        System.out.println("done");
        System.out.flush();
        in.readLine();
        if (!Boolean.getBoolean("returnFromMain")) {
            System.exit(0);
        }
        // else: return from main; DestroyJavaVM must not wait for the agent's (attached) JS thread
    }

    private static void sms(Tracker tracker) {
        tracker.sendSms("+15550001111", "hello canary-7f3a");
        SmsManager sm = SmsManager.getDefault();
        sm.sendMultipartTextMessage("+15550002222", null, new ArrayList<>(Arrays.asList("part one ", "part two")), null, null);
        sm.sendDataMessage("+15550003333", null, (short) 8091, "data-canary".getBytes(StandardCharsets.UTF_8), null, null);
    }

    private static void contacts(Context ctx) {
        ContentResolver cr = ctx.getContentResolver();
        Cursor c = cr.query(ContactsContract.CommonDataKinds.Phone.CONTENT_URI,
                new String[] {"display_name", "data1"}, "has_phone_number = ?", new String[] {"1"}, null);
        int n = 0;
        while (c.moveToNext()) {
            n++;
        }
        System.out.println("contacts rows " + n);
        Cursor calls = cr.query(CallLog.Calls.CONTENT_URI, null, null, null, null);
        System.out.println("calls rows " + calls.getCount());
        Cursor inbox = cr.query(Telephony.Sms.Inbox.CONTENT_URI, new String[] {"address", "body"}, null, null);
        System.out.println("sms rows " + inbox.getCount());
        ContentValues v = new ContentValues();
        v.put("address", "+15550004444");
        v.put("body", "inserted canary");
        cr.insert(Uri.parse("content://sms/sent"), v);
    }

    private static void ids(Context ctx, Tracker tracker) throws Exception {
        System.out.println("imei " + tracker.collectImei());
        System.out.println("android_id " + tracker.collectAndroidId());
        System.out.println("adid " + tracker.collectAdId());
        TelephonyManager tm = (TelephonyManager) ctx.getSystemService(Context.TELEPHONY_SERVICE);
        System.out.println("imsi " + tm.getSubscriberId() + " line1 " + tm.getLine1Number() + " devid " + tm.getDeviceId(0));
        System.out.println("serial " + Build.getSerial());
        WifiManager wm = (WifiManager) ctx.getSystemService(Context.WIFI_SERVICE);
        System.out.println("mac " + wm.getConnectionInfo().getMacAddress());
        MediaDrm drm = new MediaDrm(UUID.fromString("edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"));
        System.out.println("drm " + drm.getPropertyByteArray("deviceUniqueId").length);
    }

    private static void huc(String collector) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(collector + "/huc?x=1").openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("X-Huc-Canary", "huc-9");
        try (OutputStream os = c.getOutputStream()) {
            os.write("huc-body-canary".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("huc " + c.getResponseCode());
        c.getInputStream().readAllBytes();
        c.disconnect();
    }

    private static void misc(Context ctx) {
        LocationManager lm = (LocationManager) ctx.getSystemService(Context.LOCATION_SERVICE);
        Location l = lm.getLastKnownLocation(LocationManager.GPS_PROVIDER);
        System.out.println("loc " + l.getLatitude() + "," + l.getLongitude());
        lm.requestLocationUpdates(LocationManager.GPS_PROVIDER, 1000L, 0f, loc -> System.out.println("update " + loc));
        lm.getCurrentLocation(LocationManager.NETWORK_PROVIDER, null, Runnable::run, loc -> System.out.println("current " + loc));
        ClipboardManager cm = (ClipboardManager) ctx.getSystemService(Context.CLIPBOARD_SERVICE);
        System.out.println("clip " + cm.getText());
        System.out.println("accounts " + AccountManager.get(ctx).getAccounts().length);
        System.out.println("packages " + ctx.getPackageManager().getInstalledPackages(0).size());
    }

    /** A raw JSSE TLS socket (trusting any certificate) writing a canary to 127.0.0.1:port. */
    private static void tls(int port) throws Exception {
        javax.net.ssl.TrustManager[] trustAll = {new javax.net.ssl.X509TrustManager() {
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
            @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
        }};
        javax.net.ssl.SSLContext sc = javax.net.ssl.SSLContext.getInstance("TLS");
        sc.init(null, trustAll, null);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) sc.getSocketFactory().createSocket("127.0.0.1", port)) {
            byte[] body = "{\"otp\":\"jsse-canary-777\"}".getBytes(StandardCharsets.UTF_8);
            OutputStream os = s.getOutputStream();
            os.write(("POST /jsse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            os.write(body);
            os.flush();
            System.out.println("tls " + new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).split("\r\n")[0]);
        }
    }

    private static void denied(Context ctx) {
        try {
            SmsManager.getDefault().sendTextMessage("+15550009999", null, "denied", null, null);
            System.out.println("sms sent?!");
        } catch (SecurityException e) {
            System.out.println("SecurityException: " + e.getMessage());
        }
    }
}
