package okio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** okio.Buffer: an in-memory sink/source (the subset used by okhttp3 stubs and the hooks). */
public final class Buffer implements BufferedSink {
    private byte[] data = new byte[0];

    public Buffer() {}

    @Override public Buffer buffer() { return this; }

    @Override
    public Buffer write(byte[] source) { return write(source, 0, source.length); }

    @Override
    public Buffer write(byte[] source, int offset, int byteCount) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(data.length + byteCount);
        b.write(data, 0, data.length);
        b.write(source, offset, byteCount);
        data = b.toByteArray();
        return this;
    }

    @Override
    public Buffer writeUtf8(String string) { return write(string.getBytes(StandardCharsets.UTF_8)); }

    @Override public void flush() {}

    public long size() { return data.length; }

    public byte[] readByteArray() {
        byte[] out = data;
        data = new byte[0];
        return out;
    }

    public String readUtf8() { return new String(readByteArray(), StandardCharsets.UTF_8); }

    public byte[] snapshotBytes() { return data.clone(); }
}
