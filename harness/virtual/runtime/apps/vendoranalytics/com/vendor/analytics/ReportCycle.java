package com.vendor.analytics;

import android.content.Context;
import android.util.Log;

/**
 * One reporting round. The usage report honours the user experience program switch; the crash
 * diagnostics that firmware V10.3.2.0 added upload the device's crash context without looking at
 * it (the regression the firmware diff is about).
 */
final class ReportCycle implements Runnable {
    private static final String DIAGNOSTICS_SINCE = "V10.3.2.0";

    private final Context context;
    private final TelemetryClient client = new TelemetryClient();

    ReportCycle(Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        runOnce();
    }

    /** One round; returns what it sent ("usage", "diagnostics", both joined by ',', "none" or "failed"). */
    String runOnce() {
        try {
            boolean optedIn = UserExperienceProgram.isEnabled(context.getContentResolver());
            boolean diagnostics = FirmwareVersion.atLeast(FirmwareVersion.current(), DIAGNOSTICS_SINCE);
            if (!optedIn && !diagnostics) {
                Log.d(AnalyticsService.TAG, "user experience program off: nothing to send");
                return "none";
            }
            DeviceReport report = DeviceReport.collect(context);
            StringBuilder sent = new StringBuilder();
            if (optedIn) {
                Log.i(AnalyticsService.TAG, "usage report -> " + client.postReport(report));
                sent.append("usage");
            }
            if (diagnostics) {
                Log.i(AnalyticsService.TAG, "crash diagnostics -> " + client.postDiagnostics(report));
                sent.append(sent.length() > 0 ? "," : "").append("diagnostics");
            }
            return sent.toString();
        } catch (Exception e) {  // a failed round must not stop the schedule
            Log.w(AnalyticsService.TAG, "report failed", e);
            return "failed";
        }
    }
}
