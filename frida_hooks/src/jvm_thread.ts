/*
 * HotSpot only (the virtual phone's apps, desktop JVMs; not Android's ART).
 *
 * frida-java-bridge 7.x applies `.implementation` replacements on the next tick of the JS loop,
 * from the JS thread, as a VM operation: it calls VMThread::execute while the JS thread (attached
 * to the VM by Java.perform and never detached) is in HotSpot's `_thread_in_native` state.
 * VMThread::execute waits for the operation on a safepoint-checking monitor, whose transitions
 * assume the caller was `_thread_in_vm` and leave it there.  Back in the JS loop the thread stays
 * `_thread_in_vm`, which HotSpot treats as "running VM code that will reach a safepoint poll": the
 * next safepoint or handshake (a GC, the deoptimisation a class definition triggers, a thread dump)
 * waits for it forever, and so does every Java thread that needs one.  It only ends when the JS
 * thread happens to make a JNI call (e.g. frida-java-bridge releasing a collected wrapper's global
 * reference) or detaches.  frida/frida#1996 is the same bug on JDK 11, where the VM aborts instead.
 *
 * settleJvmThread() makes that JNI call on purpose: a JNI function that enters the VM does the
 * proper vm -> native transition on return, processing any safepoint already pending on the way.
 */
import Java from "frida-java-bridge";

export function isHotSpot(): boolean {
  return Process.findModuleByName("libjvm.so") !== null;
}

/**
 * Put the JS thread back in `_thread_in_native` after frida-java-bridge applied (or reverted)
 * replacements.  Call it from the JS thread once the replacements are applied, i.e. from a
 * setTimeout (or later) after the tick in which `.implementation` was assigned.
 */
export function settleJvmThread(): void {
  if (!isHotSpot() || !Java.available) return;
  // a thread that is not attached has no VM state (and attaching it here would keep the VM alive)
  const env = Java.vm.tryGetEnv();
  if (env === null) return;
  // JNI_ENTRY functions without side effects (GetVersion is a JNI leaf: it makes no transition)
  env.pushLocalFrame(1);
  env.popLocalFrame(NULL);
}
