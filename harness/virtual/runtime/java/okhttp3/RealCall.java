package okhttp3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import okio.Buffer;

/**
 * okhttp3.RealCall as in OkHttp 3.14 (package-private final class).  The exchange is a real
 * HTTP/1.1 request over a java.net.Socket (SSLSocket for https), so real bytes leave the process.
 */
final class RealCall implements Call {
    final OkHttpClient client;
    final Request originalRequest;
    private boolean executed;
    private volatile boolean canceled;

    private RealCall(OkHttpClient client, Request originalRequest) {
        this.client = client;
        this.originalRequest = originalRequest;
    }

    static RealCall newRealCall(OkHttpClient client, Request originalRequest) {
        return new RealCall(client, originalRequest);
    }

    @Override public Request request() { return originalRequest; }

    @Override
    public Response execute() throws IOException {
        synchronized (this) {
            if (executed) {
                throw new IllegalStateException("Already Executed");
            }
            executed = true;
        }
        return getResponseWithInterceptorChain();
    }

    @Override
    public void enqueue(Callback responseCallback) {
        synchronized (this) {
            if (executed) {
                throw new IllegalStateException("Already Executed");
            }
            executed = true;
        }
        Thread t = new Thread(new AsyncCall(responseCallback), "OkHttp " + originalRequest.url());
        t.start();
    }

    @Override public void cancel() { canceled = true; }
    @Override public boolean isExecuted() { return executed; }
    @Override public boolean isCanceled() { return canceled; }

    @Override
    @SuppressWarnings("MethodDoesntCallSuperMethod")
    public RealCall clone() { return newRealCall(client, originalRequest); }

    final class AsyncCall implements Runnable {
        private final Callback responseCallback;

        AsyncCall(Callback responseCallback) { this.responseCallback = responseCallback; }

        @Override
        public void run() {
            Response response;
            try {
                response = getResponseWithInterceptorChain();
            } catch (IOException e) {
                responseCallback.onFailure(RealCall.this, e);
                return;
            }
            try {
                responseCallback.onResponse(RealCall.this, response);
            } catch (IOException e) {
                // the callback's own failure
            }
        }
    }

    Response getResponseWithInterceptorChain() throws IOException {
        if (canceled) {
            throw new IOException("Canceled");
        }
        Request r = originalRequest;
        HttpUrl url = r.url();
        byte[] body = new byte[0];
        if (r.body() != null) {
            Buffer buf = new Buffer();
            r.body().writeTo(buf);
            body = buf.readByteArray();
        }
        StringBuilder head = new StringBuilder();
        String target = url.encodedPath() + (url.encodedQuery() != null ? "?" + url.encodedQuery() : "");
        head.append(r.method()).append(' ').append(target).append(" HTTP/1.1\r\n");
        boolean defaultPort = url.port() == (url.isHttps() ? 443 : 80);
        head.append("Host: ").append(url.host()).append(defaultPort ? "" : ":" + url.port()).append("\r\n");
        Headers h = r.headers();
        for (int i = 0; i < h.size(); i++) {
            head.append(h.name(i)).append(": ").append(h.value(i)).append("\r\n");
        }
        if (r.body() != null) {
            MediaType ct = r.body().contentType();
            if (ct != null && h.get("Content-Type") == null) {
                head.append("Content-Type: ").append(ct).append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("Connection: close\r\nUser-Agent: okhttp/3.14.9\r\n\r\n");
        Socket socket = url.isHttps() ? SSLSocketFactory.getDefault().createSocket() : new Socket();
        try {
            socket.connect(new InetSocketAddress(url.host(), url.port()), client.connectTimeoutMillis);
            socket.setSoTimeout(client.readTimeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body.length > 0) {
                out.write(body);
            }
            out.flush();
            return readResponse(r, socket.getInputStream());
        } finally {
            socket.close();
        }
    }

    private static Response readResponse(Request r, InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        byte[] raw = all.toByteArray();
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("unexpected end of stream on " + r.url());
        }
        String[] lines = text.substring(0, end).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2) {
            throw new IOException("Unexpected status line: " + lines[0]);
        }
        List<String> nv = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                nv.add(lines[i].substring(0, colon).trim());
                nv.add(lines[i].substring(colon + 1).trim());
            }
        }
        Headers headers = new Headers(nv);
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        String ct = headers.get("Content-Type");
        return new Response(r, Integer.parseInt(status[1]), status.length > 2 ? status[2] : "", headers,
                ResponseBody.of(MediaType.parse(ct), body));
    }
}
