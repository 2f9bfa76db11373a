package okhttp3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import android.vphone.PhoneNetwork;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import okio.Buffer;

/**
 * okhttp3.RealCall as in OkHttp 3.14 (package-private final class).  The exchange is a real
 * HTTP/1.1 request over a java.net.Socket (SSLSocket for https), so real bytes leave the process.
 * The route follows OkHttp's: the client's proxy, else the first its ProxySelector gives for the
 * URL (the phone's global proxy, see android.vphone.PhoneNetwork).  Through an HTTP proxy an http
 * request goes in absolute form, an https one through a CONNECT tunnel with TLS inside.
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
        Proxy proxy = route(url);
        boolean viaHttpProxy = proxy.type() == Proxy.Type.HTTP;
        StringBuilder head = new StringBuilder();
        String target = url.encodedPath() + (url.encodedQuery() != null ? "?" + url.encodedQuery() : "");
        if (viaHttpProxy && !url.isHttps()) {
            target = url.scheme() + "://" + hostHeader(url) + target;  // absolute form, to the proxy
        }
        head.append(r.method()).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(hostHeader(url)).append("\r\n");
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
        Socket socket = connect(url, proxy);
        try {
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

    private static String hostHeader(HttpUrl url) {
        boolean defaultPort = url.port() == (url.isHttps() ? 443 : 80);
        return url.host() + (defaultPort ? "" : ":" + url.port());
    }

    /** OkHttp's RouteSelector, first route only: the client's proxy, else its selector's first. */
    private Proxy route(HttpUrl url) {
        if (client.proxy != null) {
            return client.proxy;
        }
        ProxySelector selector = client.proxySelector;
        if (selector == null) {
            return Proxy.NO_PROXY;
        }
        List<Proxy> proxies = selector.select(URI.create(url.toString()));
        return proxies == null || proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
    }

    /** A connected socket to the origin (TLS for https), directly, through a CONNECT tunnel, or SOCKS. */
    private Socket connect(HttpUrl url, Proxy proxy) throws IOException {
        int timeout = client.connectTimeoutMillis;
        Socket raw;
        if (proxy.type() == Proxy.Type.DIRECT) {
            if (url.isHttps()) {
                Socket tls = SSLSocketFactory.getDefault().createSocket();
                try {
                    tls.connect(PhoneNetwork.address(url.host(), url.port()), timeout);
                } catch (IOException e) {
                    tls.close();
                    throw e;
                }
                return tls;
            }
            raw = new Socket();
            try {
                raw.connect(PhoneNetwork.address(url.host(), url.port()), timeout);
            } catch (IOException e) {
                raw.close();
                throw e;
            }
            return raw;
        }
        InetSocketAddress proxyAddress = (InetSocketAddress) proxy.address();
        try {
            if (proxy.type() == Proxy.Type.SOCKS) {
                raw = new Socket(proxy);
                raw.connect(InetSocketAddress.createUnresolved(url.host(), url.port()), timeout);
            } else {
                raw = new Socket();
                raw.connect(proxyAddress.isUnresolved()
                        ? new InetSocketAddress(proxyAddress.getHostString(), proxyAddress.getPort()) : proxyAddress,
                        timeout);
                if (url.isHttps()) {
                    createTunnel(raw, url);
                }
            }
        } catch (IOException e) {
            throw new IOException("Failed to connect to " + proxyAddress + ": " + e.getMessage(), e);
        }
        if (!url.isHttps()) {
            return raw;
        }
        SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                .createSocket(raw, url.host(), url.port(), true);
        tls.startHandshake();
        return tls;
    }

    /** The CONNECT request OkHttp sends an HTTP proxy for an https URL; fails unless it answers 200. */
    private void createTunnel(Socket raw, HttpUrl url) throws IOException {
        String authority = url.host() + ":" + url.port();
        String connect = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                + "\r\nProxy-Connection: Keep-Alive\r\nUser-Agent: okhttp/3.14.9\r\n\r\n";
        raw.setSoTimeout(client.readTimeoutMillis);
        OutputStream out = raw.getOutputStream();
        out.write(connect.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = raw.getInputStream();
        StringBuilder reply = new StringBuilder();
        while (!reply.toString().endsWith("\r\n\r\n")) {  // byte by byte: TLS follows the blank line
            int c = in.read();
            if (c < 0) {
                throw new IOException("unexpected end of stream on the CONNECT to " + authority);
            }
            reply.append((char) c);
        }
        String[] status = reply.toString().split("\r\n", 2)[0].split(" ", 3);
        if (status.length < 2 || !status[1].equals("200")) {
            throw new IOException("Unexpected response code for CONNECT: " + (status.length > 1 ? status[1] : reply));
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
