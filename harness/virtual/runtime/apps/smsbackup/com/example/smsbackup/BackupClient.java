package com.example.smsbackup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The backup service's REST client: one JSON POST over HTTPS per backup. */
final class BackupClient {
    private static final String ENDPOINT = "https://backup.smsbackup.example/v1/backup";

    int upload(String packageName, List<SmsMessage> messages) throws IOException {
        byte[] payload = toJson(packageName, messages).getBytes(StandardCharsets.UTF_8);
        HttpURLConnection connection = (HttpURLConnection) new URL(ENDPOINT).openConnection();
        try {
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(10_000);
            connection.setRequestProperty("Content-Type", "application/json; charset=utf-8");
            connection.setFixedLengthStreamingMode(payload.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(payload);
            }
            int code = connection.getResponseCode();
            try (InputStream in = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return code;
        } finally {
            connection.disconnect();
        }
    }

    static String toJson(String packageName, List<SmsMessage> messages) {
        StringBuilder json = new StringBuilder("{\"app\":").append(quote(packageName))
                .append(",\"count\":").append(messages.size()).append(",\"messages\":[");
        for (int i = 0; i < messages.size(); i++) {
            SmsMessage m = messages.get(i);
            json.append(i == 0 ? "" : ",").append("{\"address\":").append(quote(m.address()))
                    .append(",\"body\":").append(quote(m.body())).append(",\"date\":").append(m.date()).append('}');
        }
        return json.append("]}").toString();
    }

    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
