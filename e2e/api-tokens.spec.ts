import type { APIRequestContext, APIResponse } from "@playwright/test";
import { createUser, e2eEnv, expect, insertLabel, signInNewContext, test } from "./fixtures";

// The pipeline API over HTTP: an admin makes a token by keyboard, sees it once, a pipeline uses it, the admin
// revokes it; and the auth answers: 401 (none, malformed, unknown, revoked, expired, owner disabled), 403
// (out of scope, existing or not; owner without the role), 404 for a session, which is not scoped.

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function newToken(api: APIRequestContext, name: string, projectIds: number[]): Promise<{ token: string; id: number }> {
  const res = await api.post("/api/tokens", { data: { name, projectIds, expiresInDays: 30 } });
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { token: string; view: { id: number } };
  return { token: body.token, id: body.view.id };
}

async function expectError(res: APIResponse, status: number, code: string, message?: RegExp) {
  expect(res.status()).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  if (message) expect(body.error.message).toMatch(message);
  return body;
}

test("an admin creates a token by keyboard, sees it once, a pipeline uses it, and revoked it answers 401", async ({ asAdmin, seedPairs, request }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 2 });
  const name = `pipeline ${Date.now().toString(36)}`;

  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "New API token" });
  await form.getByLabel("Token name").focus();
  await page.keyboard.type(name);
  await page.keyboard.press("Tab"); // Expires
  await page.keyboard.press("Tab"); // first project checkbox
  const box = form.getByRole("checkbox", { name: project.name, exact: true });
  for (let i = 0; i < 500 && !(await box.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(box).toBeChecked();
  await form.getByRole("button", { name: "Create token" }).focus();
  await page.keyboard.press("Enter");

  const shown = page.getByRole("textbox", { name: "New API token" });
  await expect(shown).toBeFocused();
  const token = await shown.inputValue();
  expect(token).toMatch(/^loupe_[A-Za-z0-9_-]{43}$/);
  await page.getByRole("button", { name: "Copy token" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Copied|Ctrl\+C/ })).toBeVisible();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).toContainText(project.name);
  await expect(row.getByRole("cell", { name: "never", exact: true })).toHaveCount(1); // last used (it expires in 90 days)

  // Shown once: after a reload only the hint is left.
  await page.reload();
  await expect(page.getByRole("textbox", { name: "New API token" })).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(token.slice(10));

  const progress = await request.get(`/api/v1/projects/${project.id}/progress`, { headers: bearer(token) });
  expect(progress.status()).toBe(200);
  expect(await progress.json()).toMatchObject({ projectId: project.id, pairs: { total: 2, open: 2 } });
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: name }).getByRole("cell", { name: "never", exact: true })).toHaveCount(0); // last used is set

  // Revoke by keyboard: the button, then the confirmation, which takes the focus.
  await page.getByRole("button", { name: `Revoke ${name}` }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: `Confirm: revoke ${name}` })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("revoked");

  const after = await request.get(`/api/v1/projects/${project.id}/progress`, { headers: bearer(token) });
  await expectError(after, 401, "unauthorized", /revoked/);
  expect(after.headers()["www-authenticate"]).toMatch(/^Bearer realm="loupe", error="invalid_token"/);
});

test("401, 403 and 404 for the API's callers", async ({ asAdmin, seedPairs, request, db, browser, baseURL }) => {
  const admin = asAdmin.page.request;
  const mine = await seedPairs({ pairs: 1 });
  const other = await seedPairs({ pairs: 1 });
  const { token, id } = await newToken(admin, "scoped", [mine.id]);
  const url = (projectId: number) => `/api/v1/projects/${projectId}/progress`;

  const none = await expectError(await request.get(url(mine.id)), 401, "unauthorized");
  expect(none.error.message).toMatch(/sign in/i);
  expect((await request.get(url(mine.id))).headers()["www-authenticate"]).toBe('Bearer realm="loupe"');
  const malformed = await request.get(url(mine.id), { headers: { Authorization: "Bearer not-a-token" } });
  await expectError(malformed, 401, "unauthorized", /not Bearer followed by a Loupe API token/);
  expect(malformed.headers()["www-authenticate"]).toContain('error="invalid_token"');
  await expectError(await request.get(url(mine.id), { headers: bearer(`loupe_${"x".repeat(43)}`) }), 401, "unauthorized", /not recognised/);

  // In scope: 200. Another project, and a project that does not exist: the same 403.
  expect((await request.get(url(mine.id), { headers: bearer(token) })).status()).toBe(200);
  const otherRes = await request.get(url(other.id), { headers: bearer(token) });
  const a = await expectError(otherRes, 403, "forbidden", /not scoped/);
  expect(otherRes.headers()["www-authenticate"]).toContain('error="insufficient_scope"');
  const b = await expectError(await request.get(url(987_654), { headers: bearer(token) }), 403, "forbidden");
  expect(b.error.message.replace("987654", "N")).toBe(a.error.message.replace(String(other.id), "N"));
  await expectError(await request.get(`/api/v1/projects/${other.id}/labels`, { headers: bearer(token) }), 403, "forbidden");
  await expectError(
    await request.post(`/api/v1/projects/${other.id}/pairs`, { headers: bearer(token), data: { pairs: [{ id: "x" }] } }),
    403,
    "forbidden",
  );

  // A session is not scoped: the admin's browser sees 404 for a project that does not exist.
  await expectError(await admin.get(url(987_654)), 404, "not_found");
  expect((await admin.get(url(other.id))).status()).toBe(200);

  // The owner's role is read on every request: demoted, the token is refused with 403.
  const owner = await createUser(db, "admin");
  const { token: ownerToken } = await newToken(admin, "owner's", [mine.id]);
  await db.query("UPDATE api_tokens SET user_id = $1 WHERE token_hash = encode(sha256($2::bytea), 'hex')", [owner.id, ownerToken]);
  expect((await request.get(url(mine.id), { headers: bearer(ownerToken) })).status()).toBe(200);
  await db.query(`UPDATE users SET role = 'reviewer' WHERE id = $1`, [owner.id]);
  await expectError(await request.get(url(mine.id), { headers: bearer(ownerToken) }), 403, "forbidden", /permission/);
  await db.query(`UPDATE users SET role = 'admin', disabled = true WHERE id = $1`, [owner.id]);
  await expectError(await request.get(url(mine.id), { headers: bearer(ownerToken) }), 401, "unauthorized", /disabled/);

  await db.query("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1", [id]);
  await expectError(await request.get(url(mine.id), { headers: bearer(token) }), 401, "unauthorized", /expired/);
  await db.query("UPDATE api_tokens SET expires_at = NULL WHERE id = $1", [id]);
  expect((await admin.post(`/api/tokens/${id}/revoke`)).status()).toBe(200);
  await expectError(await request.get(url(mine.id), { headers: bearer(token) }), 401, "unauthorized", /revoked/);

  // A token never manages tokens, and an annotator's session cannot use the API.
  const { token: t2 } = await newToken(admin, "no minting", [mine.id]);
  await expectError(await request.post("/api/tokens", { headers: bearer(t2), data: { name: "x", projectIds: [mine.id] } }), 401, "unauthorized");
  const annotator = await createUser(db, "annotator");
  const { context } = await signInNewContext(browser, annotator, { baseURL });
  try {
    await expectError(await context.request.get(url(mine.id)), 403, "forbidden");
  } finally {
    await context.close();
  }
});

test("a pipeline posts pairs idempotently, pages final labels with the cursor, and reads progress and the OpenAPI document", async ({ asAdmin, seedPairs, request, db }) => {
  const project = await seedPairs({ pairs: 3 });
  const { token } = await newToken(asAdmin.page.request, "pipeline", [project.id]);
  const files = e2eEnv().imageFiles;
  const pairs = [
    { id: "api-1", instruction: files[0]!.instruction, source_image: files[0]!.source, edited_image: files[0]!.edited, task: "object", metadata: { run: 7 } },
    { id: "api-2", instruction: "", source_image: files[1]!.source, edited_image: files[1]!.edited },
    { id: "api-3", instruction: files[2]!.instruction, source_image: "images/missing.webp", edited_image: files[2]!.edited },
  ];
  const post = await request.post(`/api/v1/projects/${project.id}/pairs`, { headers: bearer(token), data: { pairs } });
  expect(post.status()).toBe(200);
  const created = (await post.json()) as { created: number; items: { index: number; status: string; pairId: string | null; reason?: string }[] };
  expect(created).toMatchObject({ created: 1, duplicates: 0, invalid: 2 });
  expect(created.items.map((i) => [i.index, i.status])).toEqual([[0, "created"], [1, "invalid"], [2, "invalid"]]);
  expect(created.items[2]!.reason).toMatch(/not found/);
  const again = (await (await request.post(`/api/v1/projects/${project.id}/pairs`, { headers: bearer(token), data: { pairs: [pairs[0]] } })).json()) as typeof created;
  expect(again.items[0]).toMatchObject({ status: "duplicate", pairId: created.items[0]!.pairId });
  const bad = await request.post(`/api/v1/projects/${project.id}/pairs`, { headers: bearer(token), data: { pairs: [] } });
  await expectError(bad, 400, "invalid", /at least one/);
  const huge = await request.post(`/api/v1/projects/${project.id}/pairs`, {
    headers: { ...bearer(token), "Content-Type": "application/json" },
    data: `{"pairs": ["${"x".repeat(33 * 1024 * 1024)}"]}`,
  });
  await expectError(huge, 413, "too_large", /32 MB/);
  await expectError(await request.get(`/api/v1/projects/${project.id}/labels`, { headers: bearer(token), params: { cursor: "not-ours" } }), 400, "invalid", /cursor/);

  // Finalise pairs, page through with limit 2, finalise one more, and poll from the kept cursor.
  const annotator = await createUser(db, "annotator");
  for (const pairId of project.pairIds) await insertLabel(db, { pairId, annotatorId: annotator.id, decision: "accept" });
  type Page = { items: { pairId: string; decision: string; state: string }[]; nextCursor: string | null; hasMore: boolean };
  const get = async (cursor: string | null): Promise<Page> => {
    const res = await request.get(`/api/v1/projects/${project.id}/labels`, { headers: bearer(token), params: { limit: 2, ...(cursor ? { cursor } : {}) } });
    expect(res.status()).toBe(200);
    return (await res.json()) as Page;
  };
  const seen: string[] = [];
  let cursor: string | null = null;
  // Pairs committed by other work on a shared server can hold the feed back a moment: poll until all three arrive.
  await expect
    .poll(async () => {
      for (;;) {
        const page = await get(cursor);
        seen.push(...page.items.map((i) => i.pairId));
        cursor = page.nextCursor;
        if (!page.hasMore) return seen.length;
      }
    }, { timeout: 60_000 })
    .toBe(3);
  expect([...seen].sort()).toEqual([...project.pairIds].sort());
  await insertLabel(db, { pairId: created.items[0]!.pairId!, annotatorId: annotator.id, decision: "reject", reasons: ["artifacts"] });
  await expect.poll(async () => (await get(cursor)).items.map((i) => [i.pairId, i.decision]), { timeout: 60_000 }).toEqual([[created.items[0]!.pairId, "reject"]]);

  const progress = await request.get(`/api/v1/projects/${project.id}/progress`, { headers: bearer(token) });
  expect(await progress.json()).toMatchObject({ pairs: { total: 4, final: 4, open: 0 }, finalByDecision: { accept: 3, reject: 1 }, percentDone: 100 });

  const doc = await request.get("/api/v1/openapi.json", { headers: bearer(token) });
  expect(doc.status()).toBe(200);
  const openapi = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(openapi.openapi).toBe("3.1.0");
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/api/v1/projects/{projectId}/pairs", "/api/v1/projects/{projectId}/labels"]));
});
