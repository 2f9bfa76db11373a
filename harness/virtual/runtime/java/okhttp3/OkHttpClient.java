package okhttp3;

import java.util.concurrent.TimeUnit;

public class OkHttpClient implements Call.Factory, Cloneable {
    final int connectTimeoutMillis;
    final int readTimeoutMillis;

    public OkHttpClient() { this(new Builder()); }

    OkHttpClient(Builder b) {
        this.connectTimeoutMillis = b.connectTimeout;
        this.readTimeoutMillis = b.readTimeout;
    }

    @Override
    public Call newCall(Request request) { return RealCall.newRealCall(this, request); }

    public Builder newBuilder() { return new Builder(); }

    public static final class Builder {
        int connectTimeout = 10_000;
        int readTimeout = 10_000;

        public Builder() {}

        public Builder connectTimeout(long timeout, TimeUnit unit) { connectTimeout = (int) unit.toMillis(timeout); return this; }
        public Builder readTimeout(long timeout, TimeUnit unit) { readTimeout = (int) unit.toMillis(timeout); return this; }
        public OkHttpClient build() { return new OkHttpClient(this); }
    }
}
