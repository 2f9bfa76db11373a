package okhttp3;

public final class MediaType {
    private final String mediaType;

    private MediaType(String mediaType) { this.mediaType = mediaType; }

    public static MediaType get(String string) { return new MediaType(string); }

    public static MediaType parse(String string) { return string == null ? null : new MediaType(string); }

    @Override
    public String toString() { return mediaType; }
}
