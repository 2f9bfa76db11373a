package com.vendor.analytics;

import android.content.ContentResolver;
import android.provider.Settings;

/** The "user experience program" switch of the system settings (secure setting upload_log_pref). */
final class UserExperienceProgram {
    static final String UPLOAD_LOG = "upload_log_pref";

    private UserExperienceProgram() {}

    /** 1 = the user joined; 0 or unset = off. */
    static boolean isEnabled(ContentResolver resolver) {
        return Settings.Secure.getInt(resolver, UPLOAD_LOG, 0) == 1;
    }
}
