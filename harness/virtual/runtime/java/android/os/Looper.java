package android.os;

/** android.os.Looper: the JVM stubs run callbacks inline, so a Looper is only a token. */
public final class Looper {
    private static final Looper MAIN = new Looper();

    private Looper() {}

    public static Looper getMainLooper() { return MAIN; }
    public static Looper myLooper() { return MAIN; }
    public static void prepare() {}
}
