package com.vendor.analytics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** The vendor's telemetry endpoints: the usage report (JSON) and crash diagnostics (gzip JSON). */
final class TelemetryClient {
    private static final String ENDPOINT = "https://telemetry.vendor.example";

    int postReport(DeviceReport report) throws IOException {
        return post(ENDPOINT + "/v2/report", report.toJson("usage").getBytes(StandardCharsets.UTF_8), false);
    }

    /** The device id travels in the query, the crash context as a gzip body. */
    int postDiagnostics(DeviceReport report) throws IOException {
        String url = ENDPOINT + "/v2/diag?imei=" + encode(report.imei()) + "&fw=" + encode(report.firmware());
        return post(url, gzip(report.toJson("crash_context").getBytes(StandardCharsets.UTF_8)), true);
    }

    private static int post(String url, byte[] body, boolean gzipped) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        try {
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(10_000);
            connection.setRequestProperty("Content-Type", "application/json");
            if (gzipped) {
                connection.setRequestProperty("Content-Encoding", "gzip");
            }
            connection.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
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

    private static String encode(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(buffer)) {
            gzip.write(data);
        }
        return buffer.toByteArray();
    }
}
