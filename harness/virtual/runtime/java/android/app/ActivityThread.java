package android.app;

import android.content.Context;

/** android.app.ActivityThread: the stubs expose the app's Context through currentApplication(). */
public final class ActivityThread {
    private static Context app;

    private ActivityThread() {}

    /** On Android this returns the Application; here the app Context of the virtual phone. */
    public static synchronized Context currentApplication() {
        if (app == null) {
            app = ContextImpl.createAppContext();
        }
        return app;
    }
}
