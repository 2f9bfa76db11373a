package com.example.smsbackup;

import android.app.ActivityThread;
import android.content.Context;
import android.util.Log;
import android.vphone.Ui;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * An SMS backup app: it copies the inbox to its cloud over HTTPS and texts a confirmation. It backs
 * up once a few seconds after start (its "auto backup") and whenever the user taps "Back up now".
 */
public final class SmsBackupApp {
    static final String TAG = "SmsBackup";
    private static final long AUTO_BACKUP_DELAY_MS = 2500;

    private SmsBackupApp() {}

    public static void main(String[] args) {
        Context context = ActivityThread.currentApplication();
        ExecutorService worker = Executors.newSingleThreadExecutor(daemon("backup-worker"));
        BackupJob job = new BackupJob(context, SmsBackupApp::showStatus);
        showStatus("Last backup: never");
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("auto-backup"));
        timer.schedule(() -> worker.execute(job), AUTO_BACKUP_DELAY_MS, TimeUnit.MILLISECONDS);
        while (true) {
            Map<String, Object> event = Ui.next(30);
            if (event != null && "click".equals(event.get("type")) && "backup".equals(event.get("id"))) {
                Log.i(TAG, "backup requested by the user");
                worker.execute(job);
            }
        }
    }

    private static void showStatus(String status) {
        Ui.show("com.example.smsbackup.MainActivity",
                Ui.text("title", "SMS Backup"),
                Ui.text("status", status),
                Ui.button("backup", "Back up now"));
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
