import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies } from "./client-address";

describe("clientAddress", () => {
  const proxies = parseTrustedProxies("10.0.0.0/8, 2001:db8::1");

  it("believes no address when no proxy is trusted: the client writes the header itself", () => {
    expect(parseTrustedProxies(undefined)).toBeNull();
    expect(clientAddress("203.0.113.9", null)).toBeNull();
  });

  it("takes the right-most address that no trusted proxy wrote, whatever the client claimed before it", () => {
    expect(clientAddress("1.2.3.4, 203.0.113.9", proxies)).toBe("203.0.113.9");
    expect(clientAddress("1.2.3.4, 203.0.113.9, 10.1.2.3", proxies)).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9, 2001:db8::1", proxies)).toBe("203.0.113.9");
    expect(clientAddress("[2001:db8::7]:443, 10.0.0.2", proxies)).toBe("2001:db8::7");
    expect(clientAddress("::ffff:198.51.100.4", proxies)).toBe("198.51.100.4");
  });

  it("gives up on garbage or on a chain of proxies only", () => {
    expect(clientAddress("evil, 10.0.0.1", proxies)).toBeNull();
    expect(clientAddress("10.0.0.1, 10.0.0.2", proxies)).toBeNull();
    expect(() => parseTrustedProxies("proxy.local")).toThrow(/not an address/);
  });
});
