package okhttp3;

import java.net.URI;

public final class HttpUrl {
    private final URI uri;

    private HttpUrl(URI uri) { this.uri = uri; }

    public static HttpUrl get(String url) {
        URI u = URI.create(url);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw new IllegalArgumentException("Expected URL scheme 'http' or 'https' but was '" + u.getScheme() + "'");
        }
        return new HttpUrl(u);
    }

    public static HttpUrl parse(String url) {
        try {
            return get(url);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public String scheme() { return uri.getScheme(); }
    public String host() { return uri.getHost(); }
    public boolean isHttps() { return "https".equals(uri.getScheme()); }

    public int port() {
        return uri.getPort() != -1 ? uri.getPort() : isHttps() ? 443 : 80;
    }

    public String encodedPath() { return uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(); }
    public String encodedQuery() { return uri.getRawQuery(); }

    @Override
    public String toString() { return uri.toString(); }
}
