package android.app;

public final class PendingIntent {
    private final String tag;

    private PendingIntent(String tag) { this.tag = tag; }

    /** Not an Android API: the stubs' way to make a token PendingIntent. */
    public static PendingIntent forTag(String tag) { return new PendingIntent(tag); }

    @Override
    public String toString() { return "PendingIntent{" + tag + "}"; }
}
