/* identifiers: id:read with value = the identifier returned and id_type naming it. */
import { emitJava, hex, jbytes, jstr, type JavaCall, type JavaHandler } from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "identifiers";
const TM = "android.telephony.TelephonyManager";

function read(idType: string, value: (call: JavaCall) => string | null, group?: string): JavaHandler {
  return {
    module: NAME,
    group,
    after(call) {
      emitJava("id:read", call, { value: value(call), id_type: idType });
    },
  };
}

const ret = (call: JavaCall): string | null => jstr(call.ret);

export default javaModule(NAME, () => ({
  [`${TM}.getDeviceId`]: read("imei", ret, "id.imei"),
  [`${TM}.getImei`]: read("imei", ret, "id.imei"),
  [`${TM}.getMeid`]: read("meid", ret),
  [`${TM}.getSubscriberId`]: read("imsi", ret),
  [`${TM}.getLine1Number`]: read("phone_number", ret),
  [`${TM}.getSimSerialNumber`]: read("iccid", ret),
  "android.provider.Settings$Secure.getString": {
    module: NAME,
    after(call) {
      if (jstr(call.args[1]) !== "android_id") return;
      emitJava("id:read", call, { value: jstr(call.ret), id_type: "android_id" });
    },
  },
  "android.os.Build.getSerial": read("serial", ret),
  "com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo": read("adid", (call) =>
    call.ret === null ? null : jstr(call.ret.getId())),
  "android.net.wifi.WifiInfo.getMacAddress": read("wifi_mac", ret),
  "java.net.NetworkInterface.getHardwareAddress": read("hw_mac", (call) => hex(jbytes(call.ret), ":")),
  "android.media.MediaDrm.getPropertyByteArray": {
    module: NAME,
    after(call) {
      if (jstr(call.args[0]) !== "deviceUniqueId") return;
      emitJava("id:read", call, { value: hex(jbytes(call.ret)), id_type: "drm_id" });
    },
  },
}));
