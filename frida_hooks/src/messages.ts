/*
 * The message types between the agent and the harness, defined once on this side; the harness's
 * copy is harness/instrument/messages.py (tests/frida_hooks/test_hooks_catalogue.py checks they
 * are the same).
 */
/* agent -> harness */
export const BATCH = "harness:batch";        // events (+ binary payload), numbered with flow control
export const READY = "harness:ready";        // init done: hooked / skipped / pending
export const SKIPPED = "harness:skipped";    // hooks that could not be installed
export const ERROR = "harness:error";        // a hook's internal failure, once per hook
export const DRAINED = "harness:drained";    // after quiesce(): everything recorded has been sent
export const CRASH = "harness:crash";        // a native process about to die of a signal
/* harness -> agent */
export const ACK = "harness:ack";            // {seq}: batches up to seq are committed
export const CRASH_ACK = "harness:crash-ack"; // the crash report and everything before it arrived
