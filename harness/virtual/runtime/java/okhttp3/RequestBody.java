package okhttp3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okio.BufferedSink;

public abstract class RequestBody {
    public RequestBody() {}

    public abstract MediaType contentType();

    public long contentLength() throws IOException { return -1; }

    public abstract void writeTo(BufferedSink sink) throws IOException;

    public static RequestBody create(MediaType contentType, String content) {
        return create(contentType, content.getBytes(StandardCharsets.UTF_8));
    }

    public static RequestBody create(MediaType contentType, byte[] content) {
        return new RequestBody() {
            @Override public MediaType contentType() { return contentType; }
            @Override public long contentLength() { return content.length; }
            @Override public void writeTo(BufferedSink sink) throws IOException { sink.write(content); }
        };
    }

    public static RequestBody create(String content, MediaType contentType) { return create(contentType, content); }

    public static RequestBody create(byte[] content, MediaType contentType) { return create(contentType, content); }
}
