package com.vendor.analytics;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;

/**
 * The vendor's report trigger (action {@value #ACTION_REPORT}, exported): other vendor apps and
 * the vendor's test tools ask for a report round now, with the reason in the extra "reason".
 * The round runs off the main thread (goAsync); an ordered sender gets RESULT_OK and what was
 * sent as the result data.
 */
public final class ReportReceiver extends BroadcastReceiver {
    static final String ACTION_REPORT = "com.vendor.analytics.action.REPORT";
    static final int RESULT_OK = -1;  // Activity.RESULT_OK

    @Override
    public void onReceive(Context context, Intent intent) {
        Log.i(AnalyticsService.TAG, "report requested: " + intent.getAction() + " reason="
                + intent.getStringExtra("reason"));
        reportAsync(this, context, isOrderedBroadcast());
    }

    /** One report round on a thread of its own; the broadcast finishes when it is done (with
     * RESULT_OK and what was sent as its result, for an ordered broadcast). */
    static void reportAsync(BroadcastReceiver receiver, Context context, boolean answer) {
        BroadcastReceiver.PendingResult pending = receiver.goAsync();
        Thread worker = new Thread(() -> {
            String sent = "failed";
            try {
                sent = new ReportCycle(context.getApplicationContext()).runOnce();
            } finally {
                if (answer) {
                    pending.setResult(RESULT_OK, sent, null);
                }
                pending.finish();
            }
        }, "analytics-report");
        worker.setDaemon(true);
        worker.start();
    }
}
