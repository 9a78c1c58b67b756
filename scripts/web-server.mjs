// The web process (`npm run loupe -- serve` runs it): Next.js behind our own http server, so that a
// shutdown is ours to pace. `next start` also closes its server on SIGTERM, but then exits without
// waiting for the background jobs of the process and ignores a second signal.
//
// SIGTERM or SIGINT: stop accepting connections, let requests in hand finish, stop the job workers
// (the import batch or export page in hand ends first, then the job queues itself again), exit 0.
// A second signal exits at once.
import http from "node:http";
import next from "next";

const port = Number(process.env.PORT ?? 3000);
// Unset: every interface, as Node listens by default. `serve --host` / LOUPE_HOST choose one.
const host = process.env.LOUPE_HOST || undefined;

const app = next({ dev: false, dir: process.cwd(), port, hostname: host ?? "localhost" });
const handle = app.getRequestHandler();

// HSTS on every answer (pages, API, static files) when browsers reach Loupe over https; the value is
// lib/http/security.ts's. Decided from the public URL: behind a proxy ending TLS this process sees http.
const hsts = process.env.NEXTAUTH_URL?.startsWith("https://") ? "max-age=31536000; includeSubDomains" : null;

let stopping = false;
let signals = 0;

async function shutdown(signal) {
  signals++;
  if (signals > 1) {
    console.log(`[loupe] ${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  console.log(`[loupe] ${signal}: finishing requests and jobs in hand (send it again to exit at once)`);
  const closed = new Promise((resolve) => server.close(() => resolve()));
  // Idle keep-alive connections would hold close() open: ended now, busy ones after their answer.
  server.closeIdleConnections();
  // Started by instrumentation.ts in Next's module graph (lib/jobs/start.ts), found through globalThis.
  const stopJobs = globalThis.__loupeStopJobs;
  await Promise.allSettled([closed, stopJobs ? stopJobs() : Promise.resolve()]);
  await app.close().catch(() => {});
  process.exit(0);
}

const server = http.createServer((req, res) => {
  // A request that arrives on a kept-alive connection during shutdown is told to go elsewhere.
  if (stopping) res.setHeader("Connection", "close");
  if (hsts) res.setHeader("Strict-Transport-Security", hsts);
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await app.prepare();
server.listen(port, host, () => {
  const shown = host === undefined ? "every interface" : host;
  console.log(`[loupe] web process listening on ${shown}, port ${port}`);
});
