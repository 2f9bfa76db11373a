package android.app;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;
import android.vphone.Binder;
import android.vphone.PhoneNetwork;
import android.vphone.SystemBridge;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * android.app.ActivityThread: the entry point of every app process.  It takes the work the phone
 * schedules on the process (the binder's {@code app.next}): "launch" runs the app's program (the
 * class named by the system property {@code vphone.main}: what its activities are here) on the main
 * thread, once; "receiver" creates a manifest receiver and calls its onReceive, on the main thread
 * while nothing was launched.  A process started for a broadcast stays up after it, as a cached
 * process does, until the phone kills it.  The stubs expose the app's Context through
 * currentApplication().  Before anything runs it sets up the process's network as Android does
 * (TLS trust of the app's CA stores, the global HTTP proxy: see PhoneNetwork).
 */
public final class ActivityThread {
    private static final double POLL_SECONDS = 30;
    private static Context app;

    private ActivityThread() {}

    /** On Android this returns the Application; here the app Context of the virtual phone. */
    public static synchronized Context currentApplication() {
        if (app == null) {
            app = ContextImpl.createAppContext();
        }
        return app;
    }

    public static void main(String[] args) throws Throwable {
        PhoneNetwork.install();  // the process's TLS trust and the phone's proxy, before any app code
        String program = System.getProperty("vphone.main");
        if (!Binder.available()) {  // outside the phone: only the program
            runProgram(program, args);
            return;
        }
        while (true) {
            Map<String, Object> message = next();
            if (message == null) {
                continue;
            }
            if ("launch".equals(message.get("what"))) {
                // from now on the phone's messages are taken on a thread of their own
                Thread looper = new Thread(ActivityThread::loop, "binder:" + ProcessHandle.current().pid() + "_1");
                looper.setDaemon(true);
                looper.start();
                runProgram(program, args);
                return;
            }
            handle(message);
        }
    }

    private static void loop() {
        while (true) {
            Map<String, Object> message = next();
            if (message != null) {
                handle(message);  // a second "launch" cannot come: the phone launches a process once
            }
        }
    }

    private static Map<String, Object> next() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("timeout", POLL_SECONDS);
        try {
            Object message = Binder.call("app.next", args);
            return message == null ? null : SystemBridge.castMap(message);
        } catch (IllegalStateException e) {  // the phone is going away: it kills this process
            try {
                Thread.sleep(1000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private static void handle(Map<String, Object> message) {
        if ("receiver".equals(message.get("what"))) {
            handleReceiver(message);
        }
    }

    private static void handleReceiver(Map<String, Object> m) {
        String cls = SystemBridge.str(m.get("class"), "");
        Intent intent = new Intent((String) m.get("action"));
        intent.setPackage((String) m.get("package"));
        intent.setFlags((int) SystemBridge.num(m.get("flags"), 0));
        for (Map.Entry<String, Object> e : SystemBridge.castMap(m.get("extras")).entrySet()) {
            intent.putExtra(e.getKey(), String.valueOf(e.getValue()));
        }
        BroadcastReceiver.PendingResult result = new BroadcastReceiver.PendingResult(
                (int) SystemBridge.num(m.get("resultCode"), 0), (String) m.get("resultData"),
                Boolean.TRUE.equals(m.get("ordered")), (long) SystemBridge.num(m.get("id"), 0));
        BroadcastReceiver receiver;
        try {
            receiver = (BroadcastReceiver) Class.forName(cls).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw crash(new RuntimeException("Unable to instantiate receiver " + cls + ": " + e, e));
        }
        receiver.setPendingResult(result);
        try {
            receiver.onReceive(currentApplication(), intent);
        } catch (RuntimeException e) {
            throw crash(new RuntimeException("Unable to start receiver " + cls + ": " + e, e));
        }
        if (receiver.getPendingResult() != null) {  // not taken by goAsync(): done now
            result.finish();
        }
    }

    /** The app's uncaught-exception end (RuntimeInit's KillApplicationHandler): log, then die. */
    private static RuntimeException crash(RuntimeException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        Log.e("AndroidRuntime", "FATAL EXCEPTION: " + Thread.currentThread().getName() + "\nProcess: "
                + SystemBridge.packageName() + ", PID: " + ProcessHandle.current().pid() + "\n" + trace);
        Runtime.getRuntime().halt(10);
        return e;
    }

    private static void runProgram(String program, String[] args) throws Throwable {
        if (program == null || program.isEmpty()) {
            throw new IllegalStateException("vphone: no program (system property vphone.main)");
        }
        try {
            Class.forName(program).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();  // as if the program's main had been the JVM's
        }
    }
}
