import "server-only";
import http from "node:http";
import https from "node:https";
import { describeNetError, type AllowList } from "../images/resolve";
import { isDelivered, truncate } from "./policy";
import { checkWebhookUrl, guardedWebhookLookup, WebhookUrlError } from "./url";

// One POST of one delivery. Never throws: every outcome (an answer, a refusal, a network error, the
// time limit) comes back as a result for the delivery log.

export interface TSendResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  ms: number;
}

const BODY_EXCERPT_BYTES = 1024;

export async function sendWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: Buffer,
  opts: { allow: AllowList; timeoutMs: number },
): Promise<TSendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = checkWebhookUrl(rawUrl, opts.allow);
  } catch (err) {
    return { delivered: false, statusCode: null, error: truncate(`refused: ${(err as Error).message}`), ms: 0 };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  try {
    return await new Promise<TSendResult>((resolve) => {
      let settled = false;
      const done = (r: Omit<TSendResult, "ms">) => {
        if (settled) return;
        settled = true;
        resolve({ ...r, ms: elapsed() });
      };
      const fail = (err: unknown) => {
        if (controller.signal.aborted) return done({ delivered: false, statusCode: null, error: `timed out after ${opts.timeoutMs / 1000} s` });
        const message = err instanceof WebhookUrlError ? err.message : describeNetError(err);
        done({ delivered: false, statusCode: null, error: truncate(message) });
      };
      const client = url.protocol === "https:" ? https : http;
      const req = client.request(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(body.length) },
        // No pooled socket: each request is checked and connected afresh.
        agent: false,
        lookup: guardedWebhookLookup(url, opts.allow),
        signal: controller.signal,
      });
      req.on("error", fail);
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (isDelivered(status)) {
          // The answer's body does not matter: drain it so the socket closes cleanly, and close it
          // ourselves if the receiver keeps streaming.
          res.resume();
          setTimeout(() => res.destroy(), 5_000).unref();
          done({ delivered: true, statusCode: status, error: null });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, BODY_EXCERPT_BYTES).toString("utf8").replace(/\s+/g, " ").trim();
          let error = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`;
          if (status >= 300 && status <= 399) {
            error += `: redirects are not followed${res.headers.location ? ` (Location: ${res.headers.location})` : ""}; give the final URL`;
          } else if (excerpt) {
            error += `: ${excerpt}`;
          }
          done({ delivered: false, statusCode: status, error: truncate(error) });
          res.destroy();
        };
        res.on("data", (chunk: Buffer) => {
          if (size < BODY_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= BODY_EXCERPT_BYTES) finish();
        });
        res.on("end", finish);
        res.on("error", finish);
        res.on("close", finish);
      });
      req.end(body);
    });
  } finally {
    clearTimeout(timer);
  }
}
