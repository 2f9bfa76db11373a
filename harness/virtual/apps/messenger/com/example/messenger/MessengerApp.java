package com.example.messenger;

import android.app.ActivityThread;
import android.content.Context;
import android.util.Log;
import android.vphone.Ui;
import com.tracker.sdk.Tracker;
import java.util.Map;

/**
 * A chat app of the virtual phone with an embedded third-party analytics SDK (com.tracker.sdk).
 * It asks for consent on first start; what the SDK does before and after the answer is the SDK's
 * business (see Tracker) — as in real apps, the app does not check it.
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
        Ui.show("com.example.messenger.ChatsActivity",
                Ui.text("title", "Chats"),
                Ui.edit("message", ""),
                Ui.button("send", "Send"));
    }
}
