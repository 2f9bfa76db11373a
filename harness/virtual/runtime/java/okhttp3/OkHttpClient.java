package okhttp3;

import java.net.Proxy;
import java.net.ProxySelector;
import java.util.concurrent.TimeUnit;

public class OkHttpClient implements Call.Factory, Cloneable {
    final int connectTimeoutMillis;
    final int readTimeoutMillis;
    final Proxy proxy;
    final ProxySelector proxySelector;

    public OkHttpClient() { this(new Builder()); }

    OkHttpClient(Builder b) {
        this.connectTimeoutMillis = b.connectTimeout;
        this.readTimeoutMillis = b.readTimeout;
        this.proxy = b.proxy;
        this.proxySelector = b.proxySelector;
    }

    @Override
    public Call newCall(Request request) { return RealCall.newRealCall(this, request); }

    /** The proxy set with the builder, or null: then {@link #proxySelector()} picks one per call. */
    public Proxy proxy() { return proxy; }

    public ProxySelector proxySelector() { return proxySelector; }

    public Builder newBuilder() { return new Builder(this); }

    public static final class Builder {
        int connectTimeout = 10_000;
        int readTimeout = 10_000;
        Proxy proxy;
        ProxySelector proxySelector;

        public Builder() {
            // as OkHttp 3: the system's selector when the client is built
            proxySelector = ProxySelector.getDefault();
        }

        Builder(OkHttpClient client) {
            connectTimeout = client.connectTimeoutMillis;
            readTimeout = client.readTimeoutMillis;
            proxy = client.proxy;
            proxySelector = client.proxySelector;
        }

        public Builder connectTimeout(long timeout, TimeUnit unit) { connectTimeout = (int) unit.toMillis(timeout); return this; }
        public Builder readTimeout(long timeout, TimeUnit unit) { readTimeout = (int) unit.toMillis(timeout); return this; }
        public Builder proxy(Proxy proxy) { this.proxy = proxy; return this; }
        public Builder proxySelector(ProxySelector proxySelector) { this.proxySelector = proxySelector; return this; }
        public OkHttpClient build() { return new OkHttpClient(this); }
    }
}
