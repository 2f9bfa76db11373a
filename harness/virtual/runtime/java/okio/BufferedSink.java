package okio;

import java.io.IOException;

/** okio.BufferedSink (the subset RequestBody.writeTo implementations use). */
public interface BufferedSink {
    Buffer buffer();
    BufferedSink write(byte[] source) throws IOException;
    BufferedSink write(byte[] source, int offset, int byteCount) throws IOException;
    BufferedSink writeUtf8(String string) throws IOException;
    void flush() throws IOException;
}
