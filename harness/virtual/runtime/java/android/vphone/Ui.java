package android.vphone;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * THE VIRTUAL PHONE'S UI TOOLKIT (not an Android class): an app shows a screen as a list of views and
 * takes the user's input as events. The phone lays the views out, shows them to `uiautomator dump`,
 * uiautomator2 and screencap, and turns taps and typed text into events.
 */
public final class Ui {
    private Ui() {}

    /** One view: kind is "text", "button" or "edit". */
    public static Map<String, Object> view(String kind, String id, String text) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("kind", kind);
        v.put("id", id);
        v.put("text", text);
        return v;
    }

    public static Map<String, Object> text(String id, String text) {
        return view("text", id, text);
    }

    public static Map<String, Object> button(String id, String text) {
        return view("button", id, text);
    }

    public static Map<String, Object> edit(String id, String text) {
        return view("edit", id, text);
    }

    /** Show {@code views} as the app's current screen ({@code activity} is its class name). */
    @SafeVarargs
    public static void show(String activity, Map<String, Object>... views) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("activity", activity);
        List<Object> list = new ArrayList<>(List.of((Object[]) views));
        args.put("nodes", list);
        Binder.call("ui.show", args);
    }

    /** The next input event ({"type": "click"|"text"|"back", "id": ..., "text": ...}), or null on timeout. */
    public static Map<String, Object> next(double timeoutSeconds) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("timeout", timeoutSeconds);
        Object event = Binder.call("ui.next", args);
        return event == null ? null : SystemBridge.castMap(event);
    }
}
