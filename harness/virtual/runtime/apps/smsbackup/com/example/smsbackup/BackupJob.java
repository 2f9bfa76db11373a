package com.example.smsbackup;

import android.content.Context;
import android.telephony.SmsManager;
import android.util.Log;
import java.util.List;
import java.util.function.Consumer;

/** One backup: read the inbox, upload it, text the confirmation. */
final class BackupJob implements Runnable {
    private static final String CONFIRMATION_NUMBER = "+15550009999";

    private final Context context;
    private final Consumer<String> status;
    private final BackupClient client = new BackupClient();

    BackupJob(Context context, Consumer<String> status) {
        this.context = context;
        this.status = status;
    }

    @Override
    public void run() {
        List<SmsMessage> messages;
        try {
            messages = new InboxReader(context.getContentResolver()).read();
        } catch (SecurityException e) {
            Log.w(SmsBackupApp.TAG, "cannot read SMS", e);
            status.accept("Backup failed: allow SMS access");
            return;
        }
        if (messages.isEmpty()) {
            Log.i(SmsBackupApp.TAG, "inbox empty, nothing to back up");
            status.accept("Nothing to back up");
            return;
        }
        try {
            int code = client.upload(context.getPackageName(), messages);
            Log.i(SmsBackupApp.TAG, "uploaded " + messages.size() + " messages -> " + code);
        } catch (Exception e) {
            Log.w(SmsBackupApp.TAG, "upload failed", e);
            status.accept("Backup failed: no connection");
            return;
        }
        String text = "Backup done: " + messages.size() + " messages";
        try {
            SmsManager.getDefault().sendTextMessage(CONFIRMATION_NUMBER, null, text, null, null);
        } catch (SecurityException e) {
            Log.w(SmsBackupApp.TAG, "cannot send the confirmation", e);
        }
        status.accept(text);
    }
}
