import { describe, expect, it } from "vitest";
import { parseAllowList } from "../images/resolve";
import { checkWebhookUrl, guardedWebhookLookup, WebhookUrlError } from "./url";

const none = parseAllowList([]);

describe("webhook URL policy", () => {
  it("accepts public http(s) URLs and drops the fragment", () => {
    expect(checkWebhookUrl("https://hooks.example.com/loupe?x=1#frag", none).toString()).toBe("https://hooks.example.com/loupe?x=1");
    expect(checkWebhookUrl(" http://93.184.216.34:8080/h ", none).toString()).toBe("http://93.184.216.34:8080/h");
  });

  it("refuses other schemes and junk", () => {
    for (const u of ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://x", "not a url", "//example.com"]) {
      expect(() => checkWebhookUrl(u, none), u).toThrow(WebhookUrlError);
    }
  });

  it("refuses loopback, private, link-local and metadata targets unless allowed", () => {
    for (const u of [
      "http://127.0.0.1:3000/h",
      "http://[::1]/h",
      "http://10.1.2.3/h",
      "http://192.168.0.10/h",
      "http://169.254.169.254/latest/meta-data",
      "http://[::ffff:127.0.0.1]/h",
      "http://localhost:9000/h",
      "http://api.localhost/h",
      "http://metadata.google.internal/",
      "http://0.0.0.0/",
    ]) {
      expect(() => checkWebhookUrl(u, none), u).toThrow(WebhookUrlError);
    }
    expect(() => checkWebhookUrl("http://127.0.0.1:3000/h", none)).toThrow(/loopback address; set LOUPE_WEBHOOK_ALLOW/);
    const local = parseAllowList(["127.0.0.1", "::1"]);
    expect(checkWebhookUrl("http://127.0.0.1:3000/h", local).host).toBe("127.0.0.1:3000");
    expect(checkWebhookUrl("http://localhost:3000/h", local).host).toBe("localhost:3000");
    expect(() => checkWebhookUrl("http://10.1.2.3/h", local)).toThrow(WebhookUrlError);
    expect(checkWebhookUrl("http://10.1.2.3/h", parseAllowList(["10.0.0.0/8"])).host).toBe("10.1.2.3");
    expect(checkWebhookUrl("http://receiver.internal/h", parseAllowList(["receiver.internal"])).host).toBe("receiver.internal");
  });

  it("refuses at connect time a name that resolves to a refused address", async () => {
    const url = new URL("http://localhost:1/h");
    const lookup = guardedWebhookLookup(url, parseAllowList(["203.0.113.9"]))!;
    const err = await new Promise<Error | null>((resolve) => lookup("localhost", { all: true }, (e) => resolve(e)));
    expect(err).toBeInstanceOf(WebhookUrlError);
    expect(err!.message).toMatch(/localhost resolves to .*loopback/);
    // Allowed by name: no lookup hook at all; an IP literal is checked before connecting instead.
    expect(guardedWebhookLookup(url, parseAllowList(["localhost"]))).toBeUndefined();
    expect(guardedWebhookLookup(new URL("http://127.0.0.1/"), none)).toBeUndefined();
  });
});

describe("webhook URL length", () => {
  it("measures the URL as stored (percent-encoded), not as typed", () => {
    const typed = `https://hooks.example.com/${"é".repeat(1000)}`;
    expect(typed.length).toBeLessThan(2048);
    expect(() => checkWebhookUrl(typed, none)).toThrow(
      "This URL is 6,026 characters once spaces and other special characters are percent-encoded; the limit is 2,048.",
    );
    const fits = `https://hooks.example.com/${"a".repeat(2048 - 26)}`;
    expect(checkWebhookUrl(fits, none).toString()).toHaveLength(2048);
    expect(() => checkWebhookUrl(`${fits}b`, none)).toThrow(WebhookUrlError);
  });
});
