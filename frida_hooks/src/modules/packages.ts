/* packages: packages:read with value = "<count>: name,name,..." for installed-package lists. */
import { asRuntime, emitJava, jstr, type JavaCall } from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "packages";
const APM = "android.app.ApplicationPackageManager";

function report(call: JavaCall): void {
  const list = call.ret;
  const names: string[] = [];
  if (list !== null && list !== undefined) {
    const n: number = list.size();
    for (let i = 0; i < n; i++) {
      names.push(packageName(list.get(i)) ?? "?");
    }
  }
  emitJava("packages:read", call, { value: `${names.length}: ${names.join(",")}`, count: names.length });
}

/* PackageInfo and ApplicationInfo both have a public packageName field. */
function packageName(obj: unknown): string | null {
  const o = asRuntime(obj) as { packageName?: { value: unknown }; toString(): string } | null;
  if (o === null || o === undefined) return null;
  return o.packageName !== undefined ? jstr(o.packageName.value) : jstr(o);
}

export default javaModule(NAME, () => ({
  [`${APM}.getInstalledPackages`]: { module: NAME, group: "packages.read", after: report },
  [`${APM}.getInstalledApplications`]: { module: NAME, group: "packages.read", after: report },
}));
