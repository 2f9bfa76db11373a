package com.example.messenger;

import android.app.ActivityThread;
import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.util.Log;
import android.vphone.Ui;
import com.tracker.sdk.Tracker;
import java.util.Map;

/**
 * A chat app of the virtual phone with an embedded third-party analytics SDK (com.tracker.sdk).
 * It asks for consent on first start; what the SDK does before and after the answer is the SDK's
 * business (see Tracker) — as in real apps, the app does not check it.  In a chat, "Share location"
 * reads the phone's last known location and shows it (nothing leaves the phone).
 */
public final class MessengerApp {
    private static final String TAG = "Messenger";

    private MessengerApp() {}

    public static void main(String[] args) throws Exception {
        Context context = ActivityThread.currentApplication();
        Tracker.init(context);  // SDK initialisation: its first beacon leaves a few seconds later
        showConsent();
        while (true) {
            Map<String, Object> event = Ui.next(30);
            if (event == null || !"click".equals(event.get("type"))) {
                continue;
            }
            String id = String.valueOf(event.get("id"));
            if (id.equals("accept") || id.equals("reject")) {
                boolean accepted = id.equals("accept");
                Log.i(TAG, "consent " + (accepted ? "accepted" : "rejected"));
                Tracker.setConsent(context, accepted);
                showChats();
            } else if (id.equals("send")) {
                Log.i(TAG, "message sent");
            } else if (id.equals("share_location")) {
                String where = currentLocation(context);
                Log.i(TAG, "location " + where);
                showChats(where);
            }
        }
    }

    private static void showConsent() {
        Ui.show("com.example.messenger.ConsentActivity",
                Ui.text("title", "Help us improve Messenger"),
                Ui.text("body", "Share usage data and contact insights with our partners?"),
                Ui.button("accept", "Accept"),
                Ui.button("reject", "Reject"));
    }

    private static void showChats() {
        showChats("");
    }

    private static void showChats(String location) {
        Ui.show("com.example.messenger.ChatsActivity",
                Ui.text("title", "Chats"),
                Ui.edit("message", ""),
                Ui.button("send", "Send"),
                Ui.button("share_location", "Share location"),
                Ui.text("location", location));
    }

    /** "LAT,LONG" of the last GPS (else network) fix; "unavailable" or "permission denied" otherwise. */
    private static String currentLocation(Context context) {
        LocationManager manager = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        try {
            Location fix = manager.getLastKnownLocation(LocationManager.GPS_PROVIDER);
            if (fix == null) {
                fix = manager.getLastKnownLocation(LocationManager.NETWORK_PROVIDER);
            }
            return fix == null ? "unavailable" : fix.getLatitude() + "," + fix.getLongitude();
        } catch (SecurityException e) {
            return "permission denied";
        }
    }
}
