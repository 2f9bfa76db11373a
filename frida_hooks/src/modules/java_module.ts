/* Build a HookModule from catalogue targets plus a handler per "cls.method". */
import { entry } from "../catalogue.js";
import { installJavaTargets, type JavaHandler } from "../java_util.js";
import type { HookModule, InstallReport, Skipped } from "./types.js";

export function javaModule(
  name: string,
  handlers: (options: Record<string, unknown>) => Record<string, JavaHandler | undefined>,
): HookModule {
  const e = entry(name);
  return {
    name,
    description: e.description,
    targets: e.targets,
    java: true,
    install(options: Record<string, unknown>): InstallReport {
      const hooked: string[] = [];
      const skipped: Skipped[] = [];
      installJavaTargets(name, e.targets, handlers(options), hooked, skipped);
      return { hooked, skipped };
    },
  };
}
