package android.telephony;

import android.app.PendingIntent;
import android.vphone.SystemBridge;
import java.util.ArrayList;
import java.util.List;

/** android.telephony.SmsManager (public final class); the radio is the virtual phone's SMS log. */
public final class SmsManager {
    private static final SmsManager DEFAULT = new SmsManager(-1);
    private final int subId;

    private SmsManager(int subId) {
        this.subId = subId;
    }

    @Deprecated
    public static SmsManager getDefault() { return DEFAULT; }

    @Deprecated
    public static SmsManager getSmsManagerForSubscriptionId(int subId) { return new SmsManager(subId); }

    public SmsManager createForSubscriptionId(int subId) { return new SmsManager(subId); }

    public int getSubscriptionId() { return subId; }

    public void sendTextMessage(String destinationAddress, String scAddress, String text,
                                PendingIntent sentIntent, PendingIntent deliveryIntent) {
        sendTextMessageInternal(destinationAddress, scAddress, text, sentIntent, deliveryIntent, true);
    }

    public void sendTextMessage(String destinationAddress, String scAddress, String text,
                                PendingIntent sentIntent, PendingIntent deliveryIntent, long messageId) {
        sendTextMessageInternal(destinationAddress, scAddress, text, sentIntent, deliveryIntent, true);
    }

    public void sendTextMessage(String destinationAddress, String scAddress, String text,
                                PendingIntent sentIntent, PendingIntent deliveryIntent,
                                int priority, boolean expectMore, int validityPeriod) {
        sendTextMessageInternal(destinationAddress, scAddress, text, sentIntent, deliveryIntent, true);
    }

    public void sendMultipartTextMessage(String destinationAddress, String scAddress, ArrayList<String> parts,
                                         ArrayList<PendingIntent> sentIntents, ArrayList<PendingIntent> deliveryIntents) {
        sendMultipartTextMessageInternal(destinationAddress, parts);
    }

    public void sendMultipartTextMessage(String destinationAddress, String scAddress, List<String> parts,
                                         List<PendingIntent> sentIntents, List<PendingIntent> deliveryIntents,
                                         long messageId) {
        sendMultipartTextMessageInternal(destinationAddress, parts);
    }

    public void sendMultipartTextMessage(String destinationAddress, String scAddress, List<String> parts,
                                         List<PendingIntent> sentIntents, List<PendingIntent> deliveryIntents,
                                         String packageName, String attributionTag) {
        sendMultipartTextMessageInternal(destinationAddress, parts);
    }

    public void sendMultipartTextMessage(String destinationAddress, String scAddress, ArrayList<String> parts,
                                         ArrayList<PendingIntent> sentIntents, ArrayList<PendingIntent> deliveryIntents,
                                         int priority, boolean expectMore, int validityPeriod) {
        sendMultipartTextMessageInternal(destinationAddress, parts);
    }

    public void sendDataMessage(String destinationAddress, String scAddress, short destinationPort, byte[] data,
                                PendingIntent sentIntent, PendingIntent deliveryIntent) {
        check(destinationAddress);
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("Invalid message data");
        }
        SystemBridge.recordSentSms(destinationAddress, new String(data, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    public ArrayList<String> divideMessage(String text) {
        ArrayList<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 160) {
            out.add(text.substring(i, Math.min(text.length(), i + 160)));
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }

    private static void check(String destinationAddress) {
        if (destinationAddress == null || destinationAddress.isEmpty()) {
            throw new IllegalArgumentException("Invalid destinationAddress");
        }
        SystemBridge.enforce("android.permission.SEND_SMS", "Sending SMS message");
    }

    private void sendTextMessageInternal(String destinationAddress, String scAddress, String text,
                                         PendingIntent sentIntent, PendingIntent deliveryIntent, boolean persist) {
        check(destinationAddress);
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("Invalid message body");
        }
        if (!SystemBridge.appOpIgnored("SEND_SMS")) {
            SystemBridge.recordSentSms(destinationAddress, text);
        }
    }

    private void sendMultipartTextMessageInternal(String destinationAddress, List<String> parts) {
        check(destinationAddress);
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("Invalid message body");
        }
        if (!SystemBridge.appOpIgnored("SEND_SMS")) {
            SystemBridge.recordSentSms(destinationAddress, String.join("", parts));
        }
    }
}
