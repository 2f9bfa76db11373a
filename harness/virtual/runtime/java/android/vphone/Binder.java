package android.vphone;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.Map;

/**
 * THE VIRTUAL PHONE'S BINDER CLIENT (not an Android class): one JSON request per call to the phone's
 * daemon over the unix socket named by the system property {@code vphone.binder}. Errors the daemon
 * reports come back as the Java exception they name (SecurityException, IllegalArgumentException...).
 */
public final class Binder {
    public static final String PROPERTY = "vphone.binder";

    private Binder() {}

    public static boolean available() {
        String path = System.getProperty(PROPERTY);
        return path != null && !path.isEmpty();
    }

    /** Call {@code method} with {@code args}; returns the decoded result (Map, List, String, Long, Double...). */
    public static Object call(String method, Map<String, Object> args) {
        String request = "{\"method\":" + quote(method) + ",\"package\":" + quote(packageName())
                + ",\"pid\":" + ProcessHandle.current().pid() + ",\"args\":" + encode(args) + "}\n";
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(System.getProperty(PROPERTY)));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            BufferedReader reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (line == null) {
                throw new IllegalStateException("vphone: the phone's system services closed the connection");
            }
            Map<String, Object> answer = SystemBridge.castMap(new SystemBridge.Json(line).parse());
            Object error = answer.get("error");
            if (error != null) {
                Map<String, Object> e = SystemBridge.castMap(error);
                throw exception(String.valueOf(e.get("type")), String.valueOf(e.get("message")));
            }
            return answer.get("result");
        } catch (IOException e) {
            throw new IllegalStateException("vphone: system services unreachable: " + e.getMessage(), e);
        }
    }

    static String packageName() {
        return System.getProperty("vphone.package", "com.example.app");
    }

    private static RuntimeException exception(String type, String message) {
        switch (type) {
            case "java.lang.SecurityException":
                return new SecurityException(message);
            case "java.lang.IllegalArgumentException":
                return new IllegalArgumentException(message);
            case "java.lang.UnsupportedOperationException":
                return new UnsupportedOperationException(message);
            default:
                return new IllegalStateException(message);
        }
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    @SuppressWarnings("unchecked")
    static String encode(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return quote((String) v);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        if (v instanceof Map) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(quote(e.getKey())).append(':').append(encode(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof List) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : (List<Object>) v) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(encode(o));
            }
            return b.append(']').toString();
        }
        return quote(String.valueOf(v));
    }
}
