package android.content;

import android.vphone.SystemBridge;

/** android.content.ClipboardManager (extends android.text.ClipboardManager on Android). */
public class ClipboardManager {
    private final Context context;
    private ClipData local;

    /** @hide */
    public ClipboardManager(Context context) {
        this.context = context;
    }

    public ClipData getPrimaryClip() {
        if (local != null) {
            return local;
        }
        if (SystemBridge.appOpIgnored("READ_CLIPBOARD")) {
            return null;
        }
        String text = SystemBridge.clipboard();
        return text == null ? null : ClipData.newPlainText("clip", text);
    }

    public void setPrimaryClip(ClipData clip) { local = clip; }

    public boolean hasPrimaryClip() { return getPrimaryClip() != null; }

    public CharSequence getText() {
        ClipData clip = getPrimaryClip();
        return clip != null && clip.getItemCount() > 0 ? clip.getItemAt(0).getText() : null;
    }

    public boolean hasText() { return getText() != null; }
}
