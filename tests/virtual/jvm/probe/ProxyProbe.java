package probe;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * ProxyProbe OKHTTP_URL HUC_URL RAW_HOST RAW_PORT: one OkHttp POST, one HttpURLConnection POST and a
 * line over a raw socket, as an app's code would make them; prints what each got back.
 */
public final class ProxyProbe {
    private ProxyProbe() {}

    public static void main(String[] args) throws Exception {
        try (Response response = new OkHttpClient().newCall(new Request.Builder().url(args[0])
                .post(RequestBody.create(MediaType.parse("text/plain"), "okhttp-body")).build()).execute()) {
            System.out.println("okhttp " + response.code());
        }
        HttpURLConnection connection = (HttpURLConnection) new URL(args[1]).openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        try (OutputStream out = connection.getOutputStream()) {
            out.write("huc-body".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("huc " + connection.getResponseCode());
        try (InputStream in = connection.getInputStream()) {
            in.readAllBytes();
        }
        try (Socket socket = new Socket(args[2], Integer.parseInt(args[3]))) {
            socket.getOutputStream().write("raw-line\n".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("raw sent");
    }
}
