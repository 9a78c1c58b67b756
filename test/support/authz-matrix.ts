// The authorization matrix (issue 17 point 7), run by test/db/hardening.test.ts on its database: every method of every app/api route file, called as each
// kind of caller, answers as the permission table says. The routes are found on disk and the permission
// each one checks is read off its handler (route() records it), so a new route without a line in
// EXPECTED fails here, and so does a route whose permission changed without this table changing.
//
// "Non-member": a reviewer outside the team of a project restricted to its team (decision 030; the
// annotator and reviewer columns are its members). Every route that works on that project's pairs
// (annotate:pair and review:label:any with a projectId) refuses them with 403; elsewhere they are a reviewer.
import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { TestDatabase } from "@/test/support/db";
import { makeProject, makeUsers } from "@/test/support/fixtures";
import { call, sessionCookie, TEST_ORIGIN } from "@/test/support/http";
import { can, type TPermission, type TRole } from "@/lib/auth/permissions";
import { createApiToken } from "@/lib/pipeline-api/tokens";
import { setTeam } from "@/lib/projects/team";
import type { TRouteMeta } from "@/lib/http/handler";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route method and the permission it must check; `token`: it also takes an API token. */
const EXPECTED: Record<string, { permission: TPermission; token?: true }> = {
  "POST /api/exports/[exportId]/cancel": { permission: "export:project" },
  "GET /api/exports/[exportId]/download": { permission: "export:project" },
  "GET /api/exports/[exportId]/manifest": { permission: "export:project" },
  "GET /api/exports/[exportId]": { permission: "export:project" },
  "PUT /api/gold/[pairId]/active": { permission: "project:manage" },
  "PATCH /api/gold/[pairId]": { permission: "project:manage" },
  "POST /api/gold": { permission: "gold:promote" },
  "GET /api/images/[sha256]": { permission: "image:read" },
  "GET /api/images/[sha256]/preview": { permission: "image:read" },
  "GET /api/import-root": { permission: "import:project" },
  "POST /api/imports/[importId]/cancel": { permission: "import:project" },
  "GET /api/imports/[importId]/report": { permission: "import:project" },
  "POST /api/imports/[importId]/resume": { permission: "import:project" },
  "GET /api/imports/[importId]": { permission: "import:project" },
  "POST /api/labels": { permission: "annotate:pair" },
  "POST /api/pairs/[pairId]/skip": { permission: "annotate:pair" },
  "GET /api/pairs/[pairId]/session": { permission: "annotate:pair" },
  "POST /api/projects/[projectId]/annotators/[userId]/pause": { permission: "project:manage" },
  "DELETE /api/projects/[projectId]/annotators/[userId]/pause": { permission: "project:manage" },
  "GET /api/projects/[projectId]/calibration": { permission: "quality:view" },
  "POST /api/projects/[projectId]/audit-rounds": { permission: "project:manage" },
  "GET /api/projects/[projectId]/dataset-quality": { permission: "dataset:quality:view" },
  "GET /api/projects/[projectId]/calibration/versions": { permission: "quality:view" },
  "POST /api/projects/[projectId]/calibration/versions": { permission: "quality:view" },
  "PUT /api/projects/[projectId]/export-filters/[filterId]": { permission: "export:project" },
  "DELETE /api/projects/[projectId]/export-filters/[filterId]": { permission: "export:project" },
  "GET /api/projects/[projectId]/export-filters": { permission: "export:project" },
  "POST /api/projects/[projectId]/export-filters": { permission: "export:project" },
  "POST /api/projects/[projectId]/exports": { permission: "export:project" },
  "POST /api/projects/[projectId]/exports/count": { permission: "export:project" },
  "GET /api/projects/[projectId]/exports": { permission: "export:project" },
  "POST /api/projects/[projectId]/imports/preview": { permission: "import:project" },
  "POST /api/projects/[projectId]/imports": { permission: "import:project" },
  "GET /api/projects/[projectId]/imports": { permission: "import:project" },
  "POST /api/projects/[projectId]/next": { permission: "annotate:pair" },
  "POST /api/projects/[projectId]/pairs/[pairId]/reopen": { permission: "pairs:manage" },
  "POST /api/projects/[projectId]/pairs/[pairId]/review": { permission: "pairs:manage" },
  "POST /api/projects/[projectId]/pairs/bulk/count": { permission: "pairs:manage" },
  "POST /api/projects/[projectId]/pairs/bulk": { permission: "pairs:manage" },
  "GET /api/projects/[projectId]/progress": { permission: "annotate:pair" },
  "PUT /api/projects/[projectId]/progress/goal": { permission: "annotate:pair" },
  "GET /api/projects/[projectId]/settings": { permission: "project:manage" },
  "PATCH /api/projects/[projectId]/settings": { permission: "project:manage" },
  "POST /api/projects/[projectId]/undo": { permission: "annotate:pair" },
  "GET /api/projects/[projectId]/webhooks": { permission: "webhook:manage" },
  "POST /api/projects/[projectId]/webhooks": { permission: "webhook:manage" },
  "POST /api/projects": { permission: "project:manage" },
  "POST /api/review/pairs/[pairId]/undo": { permission: "review:label:any" },
  "PATCH /api/projects/[projectId]": { permission: "project:manage" },
  "DELETE /api/projects/[projectId]": { permission: "project:manage" },
  "PUT /api/projects/[projectId]/reasons": { permission: "project:manage" },
  "GET /api/projects/[projectId]/team": { permission: "project:manage" },
  "PUT /api/projects/[projectId]/team": { permission: "project:manage" },
  "POST /api/review/pairs/[pairId]/release": { permission: "review:label:any" },
  "POST /api/review/pairs/[pairId]/renew": { permission: "review:label:any" },
  "POST /api/review/pairs/[pairId]": { permission: "review:label:any" },
  "POST /api/review/projects/[projectId]/next": { permission: "review:label:any" },
  "GET /api/review/projects/[projectId]": { permission: "review:label:any" },
  "POST /api/tokens/[tokenId]/revoke": { permission: "api:token:manage" },

  "POST /api/tokens": { permission: "api:token:manage" },
  "GET /api/tokens": { permission: "api:token:manage" },
  "PUT /api/uploads": { permission: "import:project" },
  "GET /api/v1/openapi.json": { permission: "api:docs:read", token: true },
  "GET /api/v1/projects/[projectId]/calibration/versions": { permission: "api:calibration:read", token: true },
  "GET /api/v1/projects/[projectId]/labels": { permission: "api:labels:read", token: true },
  "POST /api/v1/projects/[projectId]/pairs": { permission: "api:pairs:write", token: true },
  "GET /api/v1/projects/[projectId]/dataset-quality": { permission: "api:progress:read", token: true },
  "GET /api/v1/projects/[projectId]/progress": { permission: "api:progress:read", token: true },
  "POST /api/webhooks/[endpointId]/deliveries/[deliveryId]/redeliver": { permission: "webhook:manage" },
  "GET /api/webhooks/[endpointId]/deliveries": { permission: "webhook:manage" },
  "GET /api/webhooks/[endpointId]": { permission: "webhook:manage" },
  "PATCH /api/webhooks/[endpointId]": { permission: "webhook:manage" },
  "DELETE /api/webhooks/[endpointId]": { permission: "webhook:manage" },
  "POST /api/webhooks/[endpointId]/secret": { permission: "webhook:manage" },
  "POST /api/webhooks/[endpointId]/test": { permission: "webhook:manage" },
};

/** Routes outside route(), open to anyone, and why. */
const PUBLIC: Record<string, string> = {
  "GET /api/auth/[...nextauth]": "next-auth: sign-in page data and the session read (its POSTs carry its own CSRF token)",
  "POST /api/auth/[...nextauth]": "next-auth: sign-in and sign-out themselves",
  "GET /api/health": "the load balancer's probe: answers whether the database is reachable, nothing else",
};

type TActor = "anonymous" | "annotator" | "reviewer" | "admin" | "disabled" | "tokenInScope" | "tokenOutOfScope" | "nonMember";
const ACTORS: TActor[] = ["anonymous", "annotator", "reviewer", "admin", "disabled", "tokenInScope", "tokenOutOfScope", "nonMember"];
const ROLE_OF: Partial<Record<TActor, TRole>> = { annotator: "annotator", reviewer: "reviewer", admin: "admin", nonMember: "reviewer" };
/** The permissions a project's team gates (lib/auth/project-access.ts). */
const TEAM_GATED: ReadonlySet<TPermission> = new Set(["annotate:pair", "review:label:any"]);

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => path.basename(f) === "route.ts")
    .map((f) => path.join(dir, f));
}

/** "allowed" (anything but 401/403), or the status a refusal must have. */
function expected(actor: TActor, e: { permission: TPermission; token?: true }, scoped: boolean): "allowed" | 401 | 403 {
  if (actor === "anonymous" || actor === "disabled") return 401;
  if (actor === "tokenInScope" || actor === "tokenOutOfScope") {
    if (!e.token) return 401; // a token is not a session: routes without token support see no one signed in
    if (!can("admin", e.permission)) return 403;
    return actor === "tokenOutOfScope" && scoped ? 403 : "allowed";
  }
  if (actor === "nonMember" && scoped && TEAM_GATED.has(e.permission)) return 403;
  return can(ROLE_OF[actor], e.permission) ? "allowed" : 403;
}

/** Calls every route method as every kind of caller on `t` (the process's database: useTestDatabase) and expects no mismatch. */
export async function runAuthorizationMatrix(t: TestDatabase): Promise<void> {
  const apiDir = path.resolve(import.meta.dirname, "../../app/api");
  const project = await makeProject(t, { pairs: 4 });
  const other = await makeProject(t, { pairs: 1 });
  let n = 0;
  const user = async (role: TRole, disabled = false) =>
    (await t.prisma.user.create({ data: { email: `${role}-${++n}@matrix.test`, name: role, passwordHash: "x", role, disabled } })).id;
  const ids = { annotator: await user("annotator"), reviewer: await user("reviewer"), admin: await user("admin"), disabled: await user("admin", true), nonMember: await user("reviewer") };
  await setTeam(t, ids.admin, project.id, {
    restricted: true,
    members: [{ userId: ids.annotator, annotates: true, reviews: false }, { userId: ids.reviewer, annotates: true, reviews: true }],
  });
  // Someone else to pause (the pause route), so the annotator's own answers are not changed by it.
  const [bystander] = await makeUsers(t, 1, "bystander");
  const inScope = (await createApiToken(t, ids.admin, { name: "in", projectIds: [project.id], expiresInDays: null })).token;
  const outOfScope = (await createApiToken(t, ids.admin, { name: "out", projectIds: [other.id], expiresInDays: null })).token;
  const cookies: Partial<Record<TActor, string>> = {};
  for (const a of ["annotator", "reviewer", "admin", "disabled", "nonMember"] as const) cookies[a] = await sessionCookie(ids[a]);

  const params: Record<string, string> = {
    projectId: String(project.id),
    userId: String(bystander),
    sha256: "0".repeat(64),
  };
  const seen = new Set<string>();

  const failures: string[] = [];
  for (const file of routeFiles(apiDir)) {
    const routePath = `/api/${path.relative(apiDir, path.dirname(file)).split(path.sep).join("/")}`;
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of METHODS) {
      const handler = mod[method] as (((...a: never[]) => Promise<Response>) & { loupeRoute?: TRouteMeta }) | undefined;
      if (!handler) continue;
      const key = `${method} ${routePath}`;
      seen.add(key);
      if (PUBLIC[key]) {
        expect(handler.loupeRoute, `${key} is listed as public but goes through route()`).toBeUndefined();
        continue;
      }
      const e = EXPECTED[key];
      if (!e) {
        failures.push(`${key}: no line in EXPECTED (add the route's permission there)`);
        continue;
      }
      const meta = handler.loupeRoute;
      if (!meta) {
        failures.push(`${key}: not wrapped in route()`);
        continue;
      }
      if (meta.permission !== e.permission || meta.token !== (e.token === true)) {
        failures.push(`${key}: checks ${meta.permission}${meta.token ? " (+token)" : ""}, EXPECTED says ${e.permission}${e.token ? " (+token)" : ""}`);
      }
      const segments = [...routePath.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
      const values = Object.fromEntries(segments.map((s) => [s, params[s] ?? "987654321"]));
      const url = routePath.replace(/\[([^\]]+)\]/g, (_, s: string) => values[s]!);
      const scoped = segments.includes("projectId");
      for (const actor of ACTORS) {
        const headers: Record<string, string> = { origin: TEST_ORIGIN, "sec-fetch-site": "same-origin" };
        if (actor === "tokenInScope") headers.authorization = `Bearer ${inScope}`;
        if (actor === "tokenOutOfScope") headers.authorization = `Bearer ${outOfScope}`;
        const hasBody = method !== "GET" && meta.input;
        if (hasBody) headers["content-type"] = "application/json";
        const res = await call(handler as never, { method, path: url, params: values, cookie: cookies[actor] ?? null, headers, body: hasBody ? "{}" : undefined });
        const want = expected(actor, e, scoped);
        const ok = want === "allowed" ? res.status !== 401 && res.status !== 403 && res.status !== 500 : res.status === want;
        if (!ok) failures.push(`${key} as ${actor}: ${res.status}, expected ${want}`);
      }
    }
  }
  expect(failures).toEqual([]);
  // every listed route still exists
  expect([...Object.keys(EXPECTED), ...Object.keys(PUBLIC)].filter((k) => !seen.has(k))).toEqual([]);
  }
