// Next.js calls register() once when a server process starts (next start, next dev, the e2e server).
// The web process also runs the background jobs — imports, exports, webhook deliveries — unless
// LOUPE_JOBS=off (then `npm run loupe -- worker` runs them), so they start here, at boot: a restarted
// server resumes interrupted imports without waiting for traffic. The CLI runs the jobs it starts
// itself (scripts/cli-*.ts). On SIGTERM the web server (scripts/web-server.mjs) stops them gracefully.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { startProcessJobs } = await import("./lib/jobs/start");
  startProcessJobs();
}
