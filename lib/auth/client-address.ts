import { BlockList, isIP } from "node:net";

/**
 * The trusted proxies from LOUPE_TRUSTED_PROXIES ("10.0.0.5, 10.1.0.0/16, ::1"); null when unset, and then
 * no address is believed at all: without a proxy the client writes X-Forwarded-For itself.
 */
export function parseTrustedProxies(raw: string | undefined): BlockList | null {
  const entries = (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split("/");
    const type = isIP(addr ?? "");
    if (!addr || type === 0) throw new Error(`LOUPE_TRUSTED_PROXIES: "${entry}" is not an address or CIDR.`);
    const family = type === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

function normalise(entry: string): string | null {
  let a = entry.trim();
  if (a.startsWith("[")) a = a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  if (a.startsWith("::ffff:") && isIP(a.slice(7)) === 4) a = a.slice(7);
  return isIP(a) ? a : null;
}

function trusted(list: BlockList, addr: string): boolean {
  return list.check(addr, isIP(addr) === 4 ? "ipv4" : "ipv6");
}

/**
 * The client's address from X-Forwarded-For, walking from the right (the hops nearest Loupe) past the
 * trusted proxies: the first address no trusted proxy would have written is the client. Everything left
 * of it is what the client claimed. Null without trusted proxies or without a readable address.
 */
export function clientAddress(forwardedFor: string | null | undefined, proxies: BlockList | null): string | null {
  if (!proxies || !forwardedFor) return null;
  const hops = forwardedFor.split(",").map(normalise);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return null;
    if (!trusted(proxies, hop)) return hop;
  }
  return null;
}
