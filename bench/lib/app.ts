// Simulated annotators over HTTP: next-auth credentials sign-in, then the annotate page's requests.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { CookieJar, HttpClient } from "./http";
import type { ClaimOutcome, LoopWorker, SubmitOutcome } from "./loop";

const SESSION_COOKIE = "next-auth.session-token";

/** next-auth v4 credentials flow: csrf token (cookie + body) → callback → session cookie. */
export async function signIn(http: HttpClient, email: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await http.request("GET", "/api/auth/csrf", { jar });
  if (csrf.status !== 200) throw new Error(`GET /api/auth/csrf → ${csrf.status}`);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: "/" }).toString();
  const res = await http.request("POST", "/api/auth/callback/credentials", {
    jar,
    body: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  if (!jar.get(SESSION_COOKIE)) {
    throw new Error(`sign-in of ${email} failed: ${res.status} ${res.body.slice(0, 200)}`);
  }
  // Only the session cookie is needed from here on (as for a browser on the annotate page).
  const session = new CookieJar();
  session.apply(`${SESSION_COOKIE}=${jar.get(SESSION_COOKIE)}`);
  return session;
}

/** A simulated annotator: `page` sends one POST /api/labels per decision, claiming the next; `split` POST …/next then POST /api/labels. */
export class AppWorker implements LoopWorker {
  private claimPath: string;
  private pending: { pairId: string | null; latencyMs: number } | null = null;
  constructor(
    private http: HttpClient,
    private jar: CookieJar,
    private projectId: number,
    private mode: "page" | "split" = "page",
  ) {
    this.claimPath = `/api/projects/${projectId}/next`;
  }

  async claim(): Promise<ClaimOutcome> {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      return p.pairId ? { kind: "ok", pairId: p.pairId, latencyMs: p.latencyMs } : { kind: "empty" };
    }
    // A POST: claiming changes state (the annotate page's first load sends the same).
    const r = await this.http.request("POST", this.claimPath, { jar: this.jar, body: "{}", headers: { "content-type": "application/json" } });
    if (r.status !== 200) return { kind: "error", what: `claim HTTP ${r.status}` };
    const body = JSON.parse(r.body) as { pair: { id: string } | null };
    return body.pair ? { kind: "ok", pairId: body.pair.id } : { kind: "empty" };
  }

  async submit(pairId: string): Promise<SubmitOutcome> {
    const payload: Record<string, unknown> = { pairId, submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 };
    if (this.mode === "page") payload.claimNext = { projectId: this.projectId, exclude: [] };
    const t0 = performance.now();
    const r = await this.http.request("POST", "/api/labels", {
      jar: this.jar,
      body: JSON.stringify(payload),
      headers: { "content-type": "application/json" },
    });
    const ms = performance.now() - t0;
    if (r.status !== 200) {
      let code = "";
      try {
        code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code ?? "";
      } catch {
        /* not JSON */
      }
      return { kind: "error", what: `submit HTTP ${r.status}${code ? ` ${code}` : ""}` };
    }
    if (this.mode === "page") {
      const body = JSON.parse(r.body) as { next?: { id: string } | null };
      this.pending = { pairId: body.next?.id ?? null, latencyMs: ms };
    }
    return { kind: "ok" };
  }
}
