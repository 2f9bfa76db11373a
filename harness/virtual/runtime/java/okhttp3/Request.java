package okhttp3;

public final class Request {
    final HttpUrl url;
    final String method;
    final Headers headers;
    final RequestBody body;

    Request(Builder b) {
        this.url = b.url;
        this.method = b.method;
        this.headers = b.headers.build();
        this.body = b.body;
    }

    public HttpUrl url() { return url; }
    public String method() { return method; }
    public Headers headers() { return headers; }
    public String header(String name) { return headers.get(name); }
    public RequestBody body() { return body; }
    public Builder newBuilder() { return new Builder(this); }

    @Override
    public String toString() { return "Request{method=" + method + ", url=" + url + "}"; }

    public static class Builder {
        HttpUrl url;
        String method = "GET";
        Headers.Builder headers = new Headers.Builder();
        RequestBody body;

        public Builder() {}

        Builder(Request r) {
            this.url = r.url;
            this.method = r.method;
            this.headers = r.headers.newBuilder();
            this.body = r.body;
        }

        public Builder url(String url) { this.url = HttpUrl.get(url); return this; }
        public Builder url(HttpUrl url) { this.url = url; return this; }
        public Builder header(String name, String value) { headers.set(name, value); return this; }
        public Builder addHeader(String name, String value) { headers.add(name, value); return this; }
        public Builder removeHeader(String name) { headers.removeAll(name); return this; }
        public Builder get() { return method("GET", null); }
        public Builder post(RequestBody body) { return method("POST", body); }
        public Builder put(RequestBody body) { return method("PUT", body); }

        public Builder method(String method, RequestBody body) {
            this.method = method;
            this.body = body;
            return this;
        }

        public Request build() {
            if (url == null) {
                throw new IllegalStateException("url == null");
            }
            return new Request(this);
        }
    }
}
