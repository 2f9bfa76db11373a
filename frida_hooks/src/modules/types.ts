/* What every hook module exports (the contract between modules and src/index.ts). */

export interface Skipped {
  module: string;
  target: string;   // "android.telephony.SmsManager" or "libssl.so!SSL_write"
  reason: string;   // "class not found", "export not found", ...
}

export interface InstallReport {
  hooked: string[];   // "android.telephony.SmsManager.sendTextMessage(5 overloads)"
  skipped: Skipped[];
}

export interface HookModule {
  name: string;             // "network", "native_net", "sms", ...
  description: string;
  /** The APIs the module hooks, as shown by `harness hooks list` and checked by the catalogue test. */
  targets: { cls?: string; method?: string; module?: string; symbol?: string; kind: string }[];
  install(options: Record<string, unknown>): InstallReport;
}
