import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { TEST_EVENT, WEBHOOK_EVENTS } from "../webhooks/schemas";
import { openApiDocument } from "./openapi";

// Every route file under app/api/v1 and the methods it exports, as OpenAPI paths ("[id]" → "{id}").
function v1Routes(): { path: string; method: string }[] {
  const root = path.resolve("app/api/v1");
  const out: { path: string; method: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === "route.ts") {
        const rel = path.relative(path.resolve("app"), dir).split(path.sep).join("/").replace(/\[(\w+)\]/g, "{$1}");
        for (const m of readFileSync(full, "utf8").matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)) out.push({ path: `/${rel}`, method: m[1]!.toLowerCase() });
      }
    }
  };
  walk(root);
  return out;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  const doc = JSON.parse(JSON.stringify(openApiDocument())) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>>;
    components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown> }>; securitySchemes: Record<string, { type: string; scheme?: string }> };
  };

  it("is OpenAPI 3.1 JSON with bearer auth", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("describes every /api/v1 route and method, and nothing else", () => {
    const routes = v1Routes();
    expect(routes.length).toBeGreaterThanOrEqual(4);
    for (const r of routes) expect(doc.paths[r.path]?.[r.method], `${r.method.toUpperCase()} ${r.path}`).toBeDefined();
    const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(described.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("declares each path parameter and the auth errors of every project route", () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const name of [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
          expect(op.parameters?.some((x) => x.name === name && x.in === "path"), `${p} declares ${name}`).toBe(true);
        }
        expect(Object.keys(op.responses)).toContain("401");
        if (p.includes("{projectId}")) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404"]));
      }
    }
  });

  it("resolves every $ref, and generates the bodies from the zod schemas", () => {
    for (const r of refsIn(doc)) {
      const name = r.replace("#/components/schemas/", "");
      expect(doc.components.schemas[name], r).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas.PostPairsRequest!.properties!)).toEqual(["pairs"]);
    expect(Object.keys(doc.components.schemas.LabelsPage!.properties!)).toEqual(["items", "nextCursor", "hasMore"]);
    expect(JSON.stringify(doc.components.schemas.PostPairsRequest)).toContain("source_image");
  });
});

describe("the OpenAPI document against a real validator", () => {
  it("is a valid OpenAPI 3.1 document (@readme/openapi-parser: the 3.1 schema plus its own rules)", async () => {
    const result = await validate(structuredClone(openApiDocument()) as never);
    expect(result.valid ? [] : compileErrors(result)).toEqual([]);
    expect(result).toMatchObject({ valid: true, specification: "OpenAPI", warnings: [] });
  });

  it("the validator does catch a broken document, so the check above means something", async () => {
    const broken = structuredClone(openApiDocument()) as { paths: Record<string, { post?: { parameters?: unknown[] } }> };
    broken.paths["/api/v1/projects/{projectId}/pairs"]!.post!.parameters = []; // {projectId} no longer declared
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
    expect(compileErrors(result)).toMatch(/projectId/);
  });

  it("describes every webhook event with the Standard Webhooks headers, Loupe-Signature deprecated", () => {
    const doc = openApiDocument() as { webhooks: Record<string, { post: { parameters: { name: string; deprecated?: boolean }[] } }> };
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENTS, TEST_EVENT].sort());
    for (const [event, w] of Object.entries(doc.webhooks)) {
      const names = w.post.parameters.map((p) => p.name);
      expect(names, event).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature", "Loupe-Signature"]));
      expect(w.post.parameters.find((p) => p.name === "Loupe-Signature")?.deprecated, event).toBe(true);
      expect(w.post.parameters.find((p) => p.name === "webhook-signature")?.deprecated, event).toBeUndefined();
    }
  });
});
