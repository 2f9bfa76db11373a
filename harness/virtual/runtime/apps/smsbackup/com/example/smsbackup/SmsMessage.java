package com.example.smsbackup;

/** One message of the inbox, as the backup stores it. */
record SmsMessage(String address, String body, long date) {
}
