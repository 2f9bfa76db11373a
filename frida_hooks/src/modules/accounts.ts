/* accounts: accounts:read with value = "name (type)" per account returned. */
import { emitJava, jstr, type JavaCall } from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "accounts";

function report(call: JavaCall): void {
  const arr = call.ret;
  const names: string[] = [];
  if (arr !== null && arr !== undefined) {
    for (let i = 0; i < arr.length; i++) {
      const a = arr[i];
      names.push(`${jstr(a.name.value)} (${jstr(a.type.value)})`);
    }
  }
  emitJava("accounts:read", call, { value: names.join(", "), count: names.length });
}

export default javaModule(NAME, () => ({
  "android.accounts.AccountManager.getAccounts": { module: NAME, group: "accounts.read", after: report },
  "android.accounts.AccountManager.getAccountsByType": { module: NAME, group: "accounts.read", after: report },
}));
