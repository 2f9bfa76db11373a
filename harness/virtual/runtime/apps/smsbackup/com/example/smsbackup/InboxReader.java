package com.example.smsbackup;

import android.content.ContentResolver;
import android.database.Cursor;
import android.provider.Telephony;
import java.util.ArrayList;
import java.util.List;

/** Reads the SMS inbox through the SMS provider (needs READ_SMS, else SecurityException). */
final class InboxReader {
    private static final String[] PROJECTION = {Telephony.Sms.ADDRESS, Telephony.Sms.BODY, Telephony.Sms.DATE};

    private final ContentResolver resolver;

    InboxReader(ContentResolver resolver) {
        this.resolver = resolver;
    }

    List<SmsMessage> read() {
        List<SmsMessage> messages = new ArrayList<>();
        try (Cursor cursor = resolver.query(Telephony.Sms.Inbox.CONTENT_URI, PROJECTION, null, null,
                Telephony.Sms.DATE + " ASC")) {
            while (cursor != null && cursor.moveToNext()) {
                messages.add(new SmsMessage(cursor.getString(0), cursor.getString(1), cursor.getLong(2)));
            }
        }
        return messages;
    }
}
