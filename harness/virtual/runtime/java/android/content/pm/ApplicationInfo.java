package android.content.pm;

public class ApplicationInfo {
    public static final int FLAG_SYSTEM = 1;
    public String packageName;
    public int flags;

    public ApplicationInfo() {}

    @Override
    public String toString() { return "ApplicationInfo{" + packageName + "}"; }
}
