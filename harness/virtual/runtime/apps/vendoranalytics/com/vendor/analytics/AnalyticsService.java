package com.vendor.analytics;

import android.app.ActivityThread;
import android.content.Context;
import android.util.Log;
import android.vphone.Ui;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The ROM vendor's analytics service, a privileged system app. While it runs it reports every few
 * seconds; what a report holds depends on the "user experience program" setting and, since
 * V10.3.2.0, on the crash-diagnostics feature (see {@link ReportCycle}).
 */
public final class AnalyticsService {
    static final String TAG = "VendorAnalytics";
    private static final long FIRST_REPORT_DELAY_MS = 2500;
    private static final long REPORT_INTERVAL_MS = 5000;

    private AnalyticsService() {}

    public static void main(String[] args) {
        Context context = ActivityThread.currentApplication();
        Ui.show("com.vendor.analytics.UserExperienceActivity",
                Ui.text("title", "User Experience Program"),
                Ui.text("summary", "Help improve the system by sending usage statistics and diagnostics."));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "analytics-report");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(new ReportCycle(context), FIRST_REPORT_DELAY_MS, REPORT_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        Log.i(TAG, "analytics service started");
        while (true) {
            Ui.next(30);  // the settings screen has nothing to click; the service runs until stopped
        }
    }
}
