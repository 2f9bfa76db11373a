/* location: location:read for fixes returned, update requests and coordinate reads. */
import { emitJava, jstr, type JavaCall } from "../java_util.js";
import { javaModule } from "./java_module.js";

const NAME = "location";
const LM = "android.location.LocationManager";

function fixValue(loc: { getLatitude(): number; getLongitude(): number } | null): string | null {
  return loc === null || loc === undefined ? null : `${loc.getLatitude()},${loc.getLongitude()}`;
}

function request(call: JavaCall): void {
  const provider = call.argTypes[0] === "java.lang.String" ? jstr(call.args[0]) : null;
  emitJava("location:read", call, { value: null, provider });
}

export default javaModule(NAME, () => ({
  [`${LM}.getLastKnownLocation`]: {
    module: NAME,
    group: "location.fix",
    after(call) {
      emitJava("location:read", call, { value: fixValue(call.ret), provider: jstr(call.args[0]) });
    },
  },
  [`${LM}.requestLocationUpdates`]: { module: NAME, group: "location.request", before: request },
  [`${LM}.getCurrentLocation`]: { module: NAME, group: "location.request", before: request },
  "android.location.Location.getLatitude": {
    module: NAME,
    group: "location.fix",
    after(call) {
      emitJava("location:read", call, { value: String(call.ret), coordinate: "latitude" });
    },
  },
  "android.location.Location.getLongitude": {
    module: NAME,
    group: "location.fix",
    after(call) {
      emitJava("location:read", call, { value: String(call.ret), coordinate: "longitude" });
    },
  },
}));
