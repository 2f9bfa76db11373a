package android.webkit;

import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Map;

/** android.webkit.WebView: loadUrl/postUrl fetch the page with HttpURLConnection (no rendering). */
public class WebView {
    private String url;

    public WebView(android.content.Context context) {}

    public void loadUrl(String url) { loadUrl(url, null); }

    public void loadUrl(String url, Map<String, String> additionalHttpHeaders) {
        this.url = url;
        fetch(url, "GET", additionalHttpHeaders, null);
    }

    public void postUrl(String url, byte[] postData) {
        this.url = url;
        fetch(url, "POST", null, postData);
    }

    public String getUrl() { return url; }

    private static void fetch(String url, String method, Map<String, String> headers, byte[] body) {
        if (!url.startsWith("http")) {
            return;
        }
        try {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setRequestMethod(method);
            if (headers != null) {
                for (Map.Entry<String, String> e : headers.entrySet()) {
                    c.setRequestProperty(e.getKey(), e.getValue());
                }
            }
            if (body != null) {
                c.setDoOutput(true);
                try (OutputStream os = c.getOutputStream()) {
                    os.write(body);
                }
            }
            c.getResponseCode();
            c.getInputStream().readAllBytes();
            c.disconnect();
        } catch (java.io.IOException e) {
            // a WebView shows an error page; the app is not told
        }
    }
}
