package android.content;

import android.os.Bundle;
import android.util.Log;
import android.vphone.Binder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * android.content.BroadcastReceiver: the app's ActivityThread creates one for each broadcast, sets
 * its pending result and calls {@link #onReceive}; the result (code, data, abort) goes back to the
 * phone when the receiver returns, or when the PendingResult that {@link #goAsync} gave is finished.
 */
public abstract class BroadcastReceiver {
    private PendingResult mPendingResult;

    public BroadcastReceiver() {}

    public abstract void onReceive(Context context, Intent intent);

    public final PendingResult goAsync() {
        PendingResult result = mPendingResult;
        mPendingResult = null;
        return result;
    }

    public final void setResultCode(int code) { checkSynchronousHint(); mPendingResult.mResultCode = code; }
    public final int getResultCode() { return mPendingResult != null ? mPendingResult.mResultCode : 0; }
    public final void setResultData(String data) { checkSynchronousHint(); mPendingResult.mResultData = data; }
    public final String getResultData() { return mPendingResult != null ? mPendingResult.mResultData : null; }

    public final void setResult(int code, String data, Bundle extras) {
        checkSynchronousHint();
        mPendingResult.mResultCode = code;
        mPendingResult.mResultData = data;
    }

    public final boolean getAbortBroadcast() { return mPendingResult != null && mPendingResult.mAbortBroadcast; }
    public final void abortBroadcast() { checkSynchronousHint(); mPendingResult.mAbortBroadcast = true; }
    public final void clearAbortBroadcast() {
        if (mPendingResult != null) {
            mPendingResult.mAbortBroadcast = false;
        }
    }

    public final boolean isOrderedBroadcast() { return mPendingResult != null && mPendingResult.mOrderedHint; }
    public final void setPendingResult(PendingResult result) { mPendingResult = result; }
    public final PendingResult getPendingResult() { return mPendingResult; }

    public void checkSynchronousHint() {
        if (mPendingResult == null) {
            throw new IllegalStateException("Call while result is not pending");
        }
        mPendingResult.checkSynchronousHint();
    }

    /** The state of a broadcast being received; {@link #finish} hands its result to the phone. */
    public static class PendingResult {
        private final long mToken;
        final boolean mOrderedHint;
        int mResultCode;
        String mResultData;
        boolean mAbortBroadcast;
        private boolean mFinished;

        /** Not an Android API (Android's constructors take a binder token): the stubs' ActivityThread's. */
        public PendingResult(int resultCode, String resultData, boolean ordered, long token) {
            mResultCode = resultCode;
            mResultData = resultData;
            mOrderedHint = ordered;
            mToken = token;
        }

        public final void setResultCode(int code) { checkSynchronousHint(); mResultCode = code; }
        public final int getResultCode() { return mResultCode; }
        public final void setResultData(String data) { checkSynchronousHint(); mResultData = data; }
        public final String getResultData() { return mResultData; }

        public final void setResult(int code, String data, Bundle extras) {
            checkSynchronousHint();
            mResultCode = code;
            mResultData = data;
        }

        public final boolean getAbortBroadcast() { return mAbortBroadcast; }
        public final void abortBroadcast() { checkSynchronousHint(); mAbortBroadcast = true; }
        public final void clearAbortBroadcast() { mAbortBroadcast = false; }

        /** A result set during a broadcast that is not ordered goes nowhere: Android logs it. */
        public void checkSynchronousHint() {
            if (!mOrderedHint) {
                RuntimeException e = new RuntimeException(
                        "BroadcastReceiver trying to return result during a non-ordered broadcast");
                Log.e("BroadcastReceiver", e.getMessage(), e);
            }
        }

        /** Tell the phone the receiver is done (at most once), with the result it set. */
        public final void finish() {
            synchronized (this) {
                if (mFinished) {
                    throw new IllegalStateException("Broadcast already finished");
                }
                mFinished = true;
            }
            if (Binder.available()) {
                Map<String, Object> args = new LinkedHashMap<>();
                args.put("id", mToken);
                args.put("code", mResultCode);
                args.put("data", mResultData);
                args.put("abort", mAbortBroadcast);
                Binder.call("app.finish", args);
            }
        }
    }
}
