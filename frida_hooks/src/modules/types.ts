/* What every hook module exports (the contract between modules and src/index.ts). */

export interface Skipped {
  module: string;
  target: string;   // "android.telephony.SmsManager" or "libssl.so!SSL_write"
  reason: string;   // "class not found", "export not found", ...
}

export interface InstallReport {
  hooked: string[];   // "android.telephony.SmsManager.sendTextMessage"
  skipped: Skipped[];
}

export interface Target {
  kind: string;        // "java" | "native"
  cls?: string;
  method?: string;
  overloads?: string[][];
  module?: string;
  symbol?: string;
  runtime?: string;    // "android" | "hotspot": only present on that VM
  library?: string;    // bundled library the class belongs to
  optional?: boolean;  // another library version; not modelled by the virtual phone's stubs
}

export interface CatalogueEntry {
  name: string;
  description: string;
  targets: Target[];
}

export interface HookModule {
  name: string;             // "network", "native_net", "sms", ...
  description: string;
  /** The APIs the module hooks, as shown by `harness hooks list` and checked by the catalogue test. */
  targets: Target[];
  /** Needs a Java VM in the process (the installer runs it inside Java.perform). */
  java: boolean;
  install(options: Record<string, unknown>): InstallReport;
}
