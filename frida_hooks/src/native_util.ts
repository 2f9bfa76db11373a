/* Native helpers: socket addresses, module lookup, native stacks. */

export interface NetDest {
  ip: string | null;
  port: number | null;
}

export function formatIp(family: number, b: Uint8Array): string | null {
  if (family === 2) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (family !== 10) return null;
  // IPv4-mapped (::ffff:a.b.c.d) is reported as the IPv4 address
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  // longest run of zero words becomes "::"
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hexw = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hexw(words);
  return `${hexw(words.slice(0, bestStart))}::${hexw(words.slice(bestStart + bestLen))}`;
}

/** Parse a struct sockaddr (AF_INET / AF_INET6) at `sa`. */
export function parseSockaddr(sa: NativePointer, len: number): NetDest | null {
  if (sa.isNull() || len < 4) return null;
  const fam = sa.readU16();
  if (fam === 2 && len >= 8) {
    return { ip: formatIp(2, new Uint8Array(sa.add(4).readByteArray(4) as ArrayBuffer)), port: (sa.add(2).readU8() << 8) | sa.add(3).readU8() };
  }
  if (fam === 10 && len >= 24) {
    return { ip: formatIp(10, new Uint8Array(sa.add(8).readByteArray(16) as ArrayBuffer)), port: (sa.add(2).readU8() << 8) | sa.add(3).readU8() };
  }
  return null;
}

let getpeernameFn: NativeFunction<number, [number, NativePointer, NativePointer]> | null = null;

/** The peer of socket `fd` (null when not connected or not an inet socket). */
export function peerOf(fd: number): NetDest | null {
  if (fd < 0) return null;
  if (getpeernameFn === null) {
    getpeernameFn = new NativeFunction(libcExport("getpeername"), "int", ["int", "pointer", "pointer"]);
  }
  const buf = Memory.alloc(128);
  const len = Memory.alloc(4);
  len.writeU32(128);
  if (getpeernameFn(fd, buf, len) !== 0) return null;
  return parseSockaddr(buf, len.readU32());
}

export function libcModule(): Module | null {
  return Process.findModuleByName("libc.so.6") ?? Process.findModuleByName("libc.so");
}

/** An export of libc (bionic or glibc), else a global lookup; throws when absent. */
export function libcExport(name: string): NativePointer {
  const libc = libcModule();
  const p = libc !== null ? libc.findExportByName(name) : null;
  return p ?? Module.getGlobalExportByName(name);
}

export function findLibcExport(name: string): NativePointer | null {
  try {
    return libcExport(name);
  } catch (_e) {
    return null;
  }
}

const frameNames = new Map<string, string>();

/** "module!symbol" frames (else "module!0xoffset") for a native context, innermost first. */
export function nativeStack(context: CpuContext, max = 12): string[] {
  const out: string[] = [];
  for (const addr of Thread.backtrace(context, Backtracer.FUZZY).slice(0, max)) {
    const key = addr.toString();
    let name = frameNames.get(key);
    if (name === undefined) {
      const m = Process.findModuleByAddress(addr);
      const sym = DebugSymbol.fromAddress(addr);
      if (m === null) name = key;
      else if (sym.name !== null && sym.name !== "" && !sym.name.startsWith("0x")) name = `${m.name}!${sym.name}`;
      else name = `${m.name}!0x${addr.sub(m.base).toString(16)}`;
      if (frameNames.size < 4096) frameNames.set(key, name);
    }
    out.push(name);
  }
  return out;
}
