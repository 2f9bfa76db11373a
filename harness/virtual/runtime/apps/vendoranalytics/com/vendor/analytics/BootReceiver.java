package com.vendor.analytics;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;

/**
 * Not exported: BOOT_COMPLETED (from the system) and the service's own retry action
 * ({@value #ACTION_RETRY_UPLOAD}) each start one report round, so the first report leaves soon
 * after boot without the user ever opening the app.
 */
public final class BootReceiver extends BroadcastReceiver {
    static final String ACTION_RETRY_UPLOAD = "com.vendor.analytics.action.RETRY_UPLOAD";

    @Override
    public void onReceive(Context context, Intent intent) {
        Log.i(AnalyticsService.TAG, "scheduled report: " + intent.getAction());
        ReportReceiver.reportAsync(this, context, false);
    }
}
