import { createUser, expect, signInNewContext, test } from "./fixtures";

// Authorisation is enforced by the server: pages answer 403, API routes 401/403, and server actions
// refuse callers without the permission even when the request is crafted by hand.

test("an annotator gets a 403 'Not allowed' from the admin pages", async ({ asAnnotator }) => {
  const { page } = asAnnotator;
  for (const path of ["/admin", "/admin/users"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByRole("heading", { name: /^(Admin|Users)$/ })).toHaveCount(0);
  }
});

test("signed-out visitors are sent to sign-in, and the API answers 401", async ({ page, request, context, baseURL }) => {
  for (const path of ["/annotate/1", "/admin"]) {
    await page.goto(path);
    await expect(page).toHaveURL((u) => u.pathname === "/signin" && u.searchParams.get("callbackUrl") === path);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  }
  // A forged session cookie gets past the cookie-presence redirect in proxy.ts, so this reaches the
  // page itself: the server still treats the visitor as signed out.
  await context.addCookies([{ name: "next-auth.session-token", value: "forged.not-a-jwt", url: baseURL! }]);
  const forged = await page.goto("/admin");
  expect(forged?.status()).toBe(200);
  await expect(page).toHaveURL((u) => u.pathname === "/signin");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  const res = await request.post("/api/projects/1/next", { data: {} });
  expect(res.status()).toBe(401);
  expect(res.headers()["content-type"]).toContain("application/json");
  expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
});

test("an annotator replaying the admin's create-user server action is refused and nothing changes", async ({
  asAdmin,
  db,
  browser,
  baseURL,
}) => {
  const admin = asAdmin.page;
  const annotator = await createUser(db, "annotator");
  const { context: annotatorContext } = await signInNewContext(browser, annotator, { baseURL });
  try {
    const tag = Date.now().toString(36);
    const adminEmail = `made-by-admin-${tag}@e2e.local`;
    const replayEmail = `made-by-annotator-${tag}@e2e.local`;
    const controlEmail = `made-by-replay-${tag}@e2e.local`;

    await admin.goto("/admin/users");
    const form = admin.getByRole("form", { name: "Create user" });
    await form.getByLabel("Email").fill(adminEmail);
    await form.getByLabel("Name").fill("Made by admin");
    await form.getByLabel("Role").selectOption("admin");
    await form.getByLabel("Password").fill("a-long-password-123");

    // Let the admin's request through: its success proves the captured request is a working call
    // of the action, so a refused replay can only be the permission check.
    const requestPromise = admin.waitForRequest(
      (r) => r.method() === "POST" && new URL(r.url()).pathname === "/admin/users" && Boolean(r.headers()["next-action"]),
    );
    await form.getByRole("button", { name: "Create user" }).click();
    const actionRequest = await requestPromise;
    await expect(form.getByRole("status")).toHaveText(`Created ${adminEmail} (admin).`);
    await expect.poll(async () => (await db.query(`SELECT 1 FROM users WHERE email = $1`, [adminEmail])).rowCount).toBe(1);

    const headers = await actionRequest.allHeaders();
    expect(headers["next-action"]).toBeTruthy();
    const body = actionRequest.postDataBuffer();
    expect(body?.toString("utf8")).toContain(adminEmail);
    // Same action id and body; only the email differs. Cookies come from the replaying context.
    const replayHeaders = Object.fromEntries(
      Object.entries(headers).filter(([k]) => !["cookie", "content-length", "host", "connection"].includes(k.toLowerCase()) && !k.startsWith(":")),
    );
    const withEmail = (email: string) => Buffer.from(body!.toString("utf8").replaceAll(adminEmail, email), "utf8");

    const countUsers = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM users`)).rows[0]!.n);
    const usersBefore = await countUsers();
    const refused = await annotatorContext.request.post("/admin/users", { headers: replayHeaders, data: withEmail(replayEmail) });
    const refusedText = await refused.text();
    // The action wrapper's refusal, serialised in the RSC payload (HTTP 200 is how actions answer).
    expect(refusedText).toContain(`{"ok":false,"error":"You do not have permission to do that."}`);
    expect(refusedText).not.toContain(`"ok":true`);
    expect(refusedText).not.toContain(replayEmail);
    const made = await db.query(`SELECT 1 FROM users WHERE email = $1`, [replayEmail]);
    expect(made.rowCount).toBe(0);
    expect(await countUsers()).toBe(usersBefore);
    const audit = await db.query(`SELECT action FROM audit_events WHERE actor_id = $1 AND action LIKE 'user.%'`, [annotator.id]);
    expect(audit.rows).toEqual([]);

    // Control: the very same replay from the admin's session works, so the request was well-formed.
    const accepted = await admin.context().request.post("/admin/users", { headers: replayHeaders, data: withEmail(controlEmail) });
    const acceptedText = await accepted.text();
    expect(acceptedText).toContain(`"ok":true`);
    expect(acceptedText).toContain(`Created ${controlEmail} (admin).`);
    const control = await db.query(`SELECT role FROM users WHERE email = $1`, [controlEmail]);
    expect(control.rows).toEqual([{ role: "admin" }]);
  } finally {
    await annotatorContext.close();
  }
});

test("disabling a user ends their existing session at once", async ({ asAdmin, db, browser, baseURL, seedPairs }) => {
  const project = await seedPairs({ pairs: 3 });
  const annotator = await createUser(db, "annotator");
  const { context, page } = await signInNewContext(browser, annotator, { baseURL });
  try {
    await page.goto(`/annotate/${project.id}`);
    await expect(page.getByTestId("instruction")).toContainText("[#1]");
    await expect(page.getByText("Next pair ready")).toBeVisible();
    expect((await context.request.get(`/api/projects/${project.id}/progress`)).status()).toBe(200);

    const admin = asAdmin.page;
    await admin.goto("/admin/users");
    await admin.getByRole("button", { name: `Disable ${annotator.email}`, exact: true }).click();
    await expect(admin.getByRole("button", { name: `Enable ${annotator.email}`, exact: true })).toBeVisible();
    expect((await db.query(`SELECT disabled FROM users WHERE id = $1`, [annotator.id])).rows).toEqual([{ disabled: true }]);

    // Same cookie, no new sign-in: the API refuses it…
    const res = await context.request.post(`/api/projects/${project.id}/next`, { data: {} });
    expect(res.status()).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    // …a decision taken on the page already open is not saved and the page lands on sign-in. The 401 handling
    // starts several navigations in a row, which can leave page.url() stale, so the document's location is read.
    await page.keyboard.press("a");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await expect.poll(() => page.evaluate(() => location.pathname).catch(() => "navigating")).toBe("/signin");
    // …and pages send them to sign-in too.
    await page.goto("/");
    await expect(page).toHaveURL((u) => u.pathname === "/signin");
    const labels = await db.query(`SELECT 1 FROM labels WHERE annotator_id = $1`, [annotator.id]);
    expect(labels.rowCount).toBe(0);
  } finally {
    await context.close();
  }
});

test("a role change takes effect at once, without signing in again", async ({ asAdmin, db, browser, baseURL }) => {
  const person = await createUser(db, "annotator");
  const { context, page } = await signInNewContext(browser, person, { baseURL });
  try {
    expect((await page.goto("/admin"))?.status()).toBe(403);

    const admin = asAdmin.page;
    await admin.goto("/admin/users");
    await admin.getByLabel(`Role for ${person.email}`, { exact: true }).selectOption("admin");
    await admin.getByRole("button", { name: `Save role for ${person.email}`, exact: true }).click();
    await expect(admin.getByText(`${person.email} is now admin.`)).toBeVisible();
    expect((await db.query(`SELECT role::text FROM users WHERE id = $1`, [person.id])).rows).toEqual([{ role: "admin" }]);

    const res = await page.goto("/admin");
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { name: "Admin", exact: true, level: 1 })).toBeVisible();
    expect((await page.goto("/admin/users"))?.status()).toBe(200);
    await expect(page.getByRole("form", { name: "Create user" })).toBeVisible();
  } finally {
    await context.close();
  }
});

// Issue 17: a page on another site cannot use a signed-in admin's cookie to change anything; the same
// request from Loupe's own page works.
test("a cross-site POST riding the admin's cookie is refused; the app's own requests pass", async ({ asAdmin, db, baseURL }) => {
  const api = asAdmin.page.request;
  const name = `csrf-${Date.now()}`;
  const forged = await api.post("/api/projects", {
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "text/plain" },
    data: JSON.stringify({ name }),
  });
  expect(forged.status()).toBe(403);
  const plain = await api.post("/api/projects", { headers: { origin: baseURL!, "content-type": "text/plain" }, data: JSON.stringify({ name }) });
  expect(plain.status()).toBe(415);
  expect((await db.query(`SELECT 1 FROM projects WHERE name = $1`, [name])).rows).toEqual([]);
  const own = await api.post("/api/projects", { headers: { origin: baseURL! }, data: { name } });
  expect(own.status()).toBe(200);
});
