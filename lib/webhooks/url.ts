import "server-only";
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { getEnv } from "../env";
import { METADATA_HOSTS, normaliseHost, parseAllowList, refusal, type AllowList } from "../images/resolve";

// Where webhooks may go. The request leaves from the server, so the image-URL policy applies
// (lib/images/resolve.ts): http(s) only, no loopback, private, link-local or metadata address unless
// LOUPE_WEBHOOK_ALLOW names it; checked on save and again inside every connection's DNS lookup.

export class WebhookUrlError extends Error {}

const ALLOW_HINT = "set LOUPE_WEBHOOK_ALLOW to allow it";

export function webhookAllowList(): AllowList {
  return parseAllowList((getEnv().LOUPE_WEBHOOK_ALLOW ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/** Stored URLs are at most this long (webhook_endpoints_url_check). */
export const MAX_URL_CHARS = 2048;

/** The URL as it will be called, or WebhookUrlError saying why it is refused. */
export function checkWebhookUrl(raw: string, allow: AllowList): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new WebhookUrlError("This is not a valid URL (it should look like https://example.com/hooks/loupe).");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new WebhookUrlError(`Only http and https URLs are allowed, not ${url.protocol.replace(/:$/, "")}.`);
  }
  if (!url.hostname) throw new WebhookUrlError("The URL has no host.");
  url.hash = ""; // never sent; dropping it keeps what is shown equal to what is called
  // The normalised form is stored and called; percent-encoding can make it much longer than what was typed.
  if (url.toString().length > MAX_URL_CHARS) {
    throw new WebhookUrlError(
      `This URL is ${url.toString().length.toLocaleString("en")} characters once spaces and other special characters are percent-encoded; the limit is 2,048.`,
    );
  }
  const host = normaliseHost(url.hostname);
  if (allow.hosts.has(host)) return url;
  if (ipaddr.isValid(host)) {
    const bad = refusal(host, allow);
    if (bad) throw new WebhookUrlError(`${bad.address} is ${bad.kind} address; ${ALLOW_HINT}.`);
    return url;
  }
  if (METADATA_HOSTS.has(host)) throw new WebhookUrlError(`${host} is a cloud metadata host.`);
  // localhost always means this machine; say so now rather than at the first delivery.
  if (isLocalhostName(host) && refusal("127.0.0.1", allow) && refusal("::1", allow)) {
    throw new WebhookUrlError(`${host} is this server (a loopback address); ${ALLOW_HINT}.`);
  }
  return url;
}

/** The DNS lookup to connect with, refusing what the policy refuses; none for IP literals and hosts allowed by name. */
export function guardedWebhookLookup(url: URL, allow: AllowList): LookupFunction | undefined {
  const host = normaliseHost(url.hostname);
  if (allow.hosts.has(host) || ipaddr.isValid(host)) return undefined;
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : "");
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), options.all ? [] : "");
      }
      // One refused answer refuses the lot: a public/private mix is how rebinding looks.
      for (const { address } of addresses) {
        const bad = refusal(address, allow);
        if (bad) {
          return callback(new WebhookUrlError(`refused: ${hostname} resolves to ${bad.address}, ${bad.kind} address; ${ALLOW_HINT}`), options.all ? [] : "");
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
