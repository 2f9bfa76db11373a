/*
 * A user's own script (compiled with frida.Compiler and frida-java-bridge): replace
 * TelephonyManager.getDeviceId in an app that runs on HotSpot (the virtual phone, a desktop JVM).
 *
 * The pattern HotSpot needs: frida-java-bridge applies `.implementation` on the next tick of the
 * JS loop and leaves the JS thread in HotSpot's _thread_in_vm state, where it stops every later
 * safepoint of the app (its threads hang at the next GC or class load).  Once the replacement is
 * applied (a setTimeout after the tick of the assignment), one JNI call that enters the VM from
 * the same thread puts it back in _thread_in_native.  Do it after every batch of `.implementation`
 * assignments (and reverts).  Harmless on Android's ART.
 */
import Java from "frida-java-bridge";

const DEVICE_ID = "USER-SCRIPT-0042";

function settleJvmThread() {
  const env = Java.vm.tryGetEnv();
  if (env === null) return;  // not attached to the VM: nothing to settle
  env.pushLocalFrame(1);     // GetVersion would not do: it is a JNI leaf, without a transition
  env.popLocalFrame(NULL);
}

Java.perform(() => {
  const TelephonyManager = Java.use("android.telephony.TelephonyManager");
  TelephonyManager.getDeviceId.overload().implementation = function () {
    return DEVICE_ID;
  };
});

setTimeout(() => {
  settleJvmThread();
  send({ type: "settled", deviceId: DEVICE_ID });
}, 0);
