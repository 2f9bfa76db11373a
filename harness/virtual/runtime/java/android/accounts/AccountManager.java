package android.accounts;

import android.content.Context;
import android.vphone.SystemBridge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class AccountManager {
    private final Context context;

    /** @hide */
    public AccountManager(Context context) { this.context = context; }

    public static AccountManager get(Context context) {
        if (context == null) {
            throw new IllegalArgumentException("context is null");
        }
        return new AccountManager(context);
    }

    private static Account[] visible(String type) {
        List<Account> out = new ArrayList<>();
        if (!SystemBridge.hasPermission("android.permission.GET_ACCOUNTS") || SystemBridge.appOpIgnored("GET_ACCOUNTS")) {
            return new Account[0];
        }
        for (Map<String, Object> r : SystemBridge.rows("accounts")) {
            String t = SystemBridge.str(r.get("type"), "");
            if (type == null || type.equals(t)) {
                out.add(new Account(SystemBridge.str(r.get("name"), "?"), t));
            }
        }
        return out.toArray(new Account[0]);
    }

    public Account[] getAccounts() { return visible(null); }

    public Account[] getAccountsByType(String type) { return visible(type); }
}
