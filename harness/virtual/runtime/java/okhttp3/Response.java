package okhttp3;

import java.io.Closeable;

public final class Response implements Closeable {
    private final Request request;
    private final int code;
    private final String message;
    private final Headers headers;
    private final ResponseBody body;

    Response(Request request, int code, String message, Headers headers, ResponseBody body) {
        this.request = request;
        this.code = code;
        this.message = message;
        this.headers = headers;
        this.body = body;
    }

    public Request request() { return request; }
    public int code() { return code; }
    public boolean isSuccessful() { return code >= 200 && code < 300; }
    public String message() { return message; }
    public Headers headers() { return headers; }
    public String header(String name) { return headers.get(name); }
    public ResponseBody body() { return body; }

    @Override
    public void close() { body.close(); }

    @Override
    public String toString() { return "Response{code=" + code + ", url=" + request.url() + "}"; }
}
