package android.content.pm;

import java.util.List;

public abstract class PackageManager {
    public static final int PERMISSION_GRANTED = 0;
    public static final int PERMISSION_DENIED = -1;
    public static final int GET_META_DATA = 0x00000080;

    public PackageManager() {}

    public abstract List<PackageInfo> getInstalledPackages(int flags);

    public List<PackageInfo> getInstalledPackages(PackageInfoFlags flags) {
        throw new UnsupportedOperationException("getInstalledPackages not implemented in subclass");
    }

    public abstract List<ApplicationInfo> getInstalledApplications(int flags);

    public List<ApplicationInfo> getInstalledApplications(ApplicationInfoFlags flags) {
        throw new UnsupportedOperationException("getInstalledApplications not implemented in subclass");
    }

    public static final class PackageInfoFlags {
        private final long value;

        private PackageInfoFlags(long value) { this.value = value; }

        public static PackageInfoFlags of(long value) { return new PackageInfoFlags(value); }

        public long getValue() { return value; }
    }

    public static final class ApplicationInfoFlags {
        private final long value;

        private ApplicationInfoFlags(long value) { this.value = value; }

        public static ApplicationInfoFlags of(long value) { return new ApplicationInfoFlags(value); }

        public long getValue() { return value; }
    }
}
