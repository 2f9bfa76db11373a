package android.media;

import android.vphone.SystemBridge;
import java.util.UUID;

/** android.media.MediaDrm (public final); getPropertyByteArray is native on Android, plain Java here. */
public final class MediaDrm implements AutoCloseable {
    public static final String PROPERTY_DEVICE_UNIQUE_ID = "deviceUniqueId";
    private final UUID scheme;

    public MediaDrm(UUID uuid) { this.scheme = uuid; }

    public byte[] getPropertyByteArray(String propertyName) {
        if (!PROPERTY_DEVICE_UNIQUE_ID.equals(propertyName)) {
            throw new IllegalArgumentException("Unknown property " + propertyName);
        }
        String hex = SystemBridge.str(SystemBridge.identifier("drm_id"), "00");
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public String getPropertyString(String propertyName) { return "vphone"; }

    @Override
    public void close() {}
}
