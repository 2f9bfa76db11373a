/* clipboard: clipboard:read with the clip's text (getText delegates to getPrimaryClip: reported once). */
import { emitJava, jstr } from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "clipboard";
const CM = "android.content.ClipboardManager";

function clipText(clip: { getItemCount(): number; getItemAt(i: number): { getText(): unknown } } | null): string | null {
  if (clip === null || clip === undefined || clip.getItemCount() === 0) return null;
  return jstr(clip.getItemAt(0).getText());
}

export default javaModule(NAME, () => ({
  [`${CM}.getPrimaryClip`]: {
    module: NAME,
    group: "clipboard.read",
    after(call) {
      emitJava("clipboard:read", call, { value: clipText(call.ret) });
    },
  },
  [`${CM}.getText`]: {
    module: NAME,
    group: "clipboard.read",
    after(call) {
      emitJava("clipboard:read", call, { value: jstr(call.ret) });
    },
  },
}));
