package android.content;

import android.os.Bundle;

/** android.content.Intent, reduced to what a receiver reads: action, package, flags, string extras. */
public class Intent {
    private String action;
    private String packageName;
    private int flags;
    private Bundle extras;

    public Intent() {}

    public Intent(String action) {
        this.action = action;
    }

    public Intent(Intent o) {
        this.action = o.action;
        this.packageName = o.packageName;
        this.flags = o.flags;
        this.extras = o.extras == null ? null : copy(o.extras);
    }

    public String getAction() { return action; }
    public Intent setAction(String action) { this.action = action; return this; }
    public String getPackage() { return packageName; }
    public Intent setPackage(String packageName) { this.packageName = packageName; return this; }
    public int getFlags() { return flags; }
    public Intent setFlags(int flags) { this.flags = flags; return this; }
    public Intent addFlags(int flags) { this.flags |= flags; return this; }

    public Intent putExtra(String name, String value) {
        if (extras == null) {
            extras = new Bundle();
        }
        extras.putString(name, value);
        return this;
    }

    public boolean hasExtra(String name) { return extras != null && extras.containsKey(name); }
    public String getStringExtra(String name) { return extras == null ? null : extras.getString(name); }
    public Bundle getExtras() { return extras == null ? null : copy(extras); }

    private static Bundle copy(Bundle from) {
        Bundle to = new Bundle();
        for (String key : from.keySet()) {
            to.putString(key, from.getString(key));
        }
        return to;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Intent {");
        if (action != null) {
            b.append(" act=").append(action);
        }
        if (flags != 0) {
            b.append(" flg=0x").append(Integer.toHexString(flags));
        }
        if (packageName != null) {
            b.append(" pkg=").append(packageName);
        }
        if (extras != null) {
            b.append(" (has extras)");
        }
        return b.append(" }").toString();
    }
}
