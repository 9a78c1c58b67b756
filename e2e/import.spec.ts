import { readFileSync } from "node:fs";
import { createUser, e2eEnv, expect, projectLabels, signInNewContext, test } from "./fixtures";

// An admin creates a project, uploads a manifest with one bad line, watches the job finish and downloads the
// report naming that line; an annotator then labels an imported pair by keyboard.

test("an admin imports a manifest with one bad line and an annotator labels an imported pair", async ({ asAdmin, db, browser, baseURL }) => {
  test.setTimeout(120_000);
  const { page } = asAdmin;
  const files = e2eEnv().imageFiles;
  const name = `Import E2E ${Date.now().toString(36)}`;

  await page.goto("/admin");
  const form = page.getByRole("form", { name: "New project" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByRole("button", { name: "Create project" }).click();
  await form.getByRole("link", { name: `Import into ${name}` }).click();
  await expect(page).toHaveURL(/\/admin\/projects\/\d+\/import$/);
  const projectId = Number(/projects\/(\d+)\/import/.exec(page.url())![1]);

  const row = (i: number) =>
    JSON.stringify({ id: `cand-${i}`, instruction: files[i]!.instruction, source_image: files[i]!.source, edited_image: files[i]!.edited, task: "object" });
  const manifest = [row(0), row(1), "{this line is not JSON", row(2)].join("\n") + "\n";
  await page.getByLabel("Choose a file").setInputFiles({ name: "candidates.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(manifest) });
  await expect(page.getByText("Uploaded candidates.jsonl")).toBeVisible();

  // The preview guesses the mapping from the column names and validates the first rows.
  await expect(page.getByText("3 of 4 preview rows valid")).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "line 3" })).toContainText(/invalid JSON/i);
  // One score picker per column the project declares (a new project: ScaleEdit's), none for the older spellings.
  await expect(page.getByRole("combobox", { name: "Verifier score: IF (1–3, higher is better)" })).toHaveValue("");
  await expect(page.getByRole("combobox", { name: "Verifier score: Overall (0–10, higher is better)" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Verifier: instruction following" })).toHaveCount(0);

  await page.getByRole("button", { name: "Start import" }).click();
  const bar = page.getByRole("progressbar", { name: /^Import \d+ progress$/ });
  await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 60_000 });
  await expect(page.getByText("Imported 4 rows: 3 inserted, 0 already present, 1 invalid.")).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /^Download report/ }).click()]);
  const report = readFileSync((await download.path())!, "utf8");
  expect(report.split("\n")[0]).toBe("kind,file,line,row_group,row,record,id,reason,matched_pair,matched_import,matched_file,matched_line,matched_record");
  expect(report).toMatch(/^invalid,candidates\.jsonl,3,,,2,,.*JSON/m);
  expect(report.trim().split("\n")).toHaveLength(2);

  // The server's background workers make the previews and change maps after the import (decision 015);
  // a preview is also made on request, and answers with an image.
  await expect
    .poll(async () => Number((await db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pair_derivatives d JOIN pairs p ON p.id = d.pair_id WHERE p.project_id = $1", [projectId],
    )).rows[0]!.n), { timeout: 60_000 })
    .toBe(0);
  const [imported] = (await db.query<{ source_image: string }>("SELECT source_image FROM pairs WHERE project_id = $1 LIMIT 1", [projectId])).rows;
  const preview = await page.request.get(`/api/images/${imported!.source_image.trim()}/preview`);
  expect(preview.status()).toBe(200);
  expect(preview.headers()["content-type"]).toMatch(/^image\//);

  // An annotator gets an imported pair (its preview images load) and accepts it by keyboard.
  const annotator = await createUser(db, "annotator");
  const { page: ann, context } = await signInNewContext(browser, annotator, { baseURL, callbackUrl: `/annotate/${projectId}` });
  const instructions = files.slice(0, 3).map((f) => f.instruction);
  await expect(ann.getByTestId("instruction")).toHaveText(new RegExp(instructions.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")));
  const shown = (await ann.getByTestId("instruction").textContent())!;
  await ann.keyboard.press("a");
  await expect.poll(async () => (await projectLabels(db, projectId)).map((l) => [l.annotatorId, l.decision])).toEqual([[annotator.id, "accept"]]);
  const stored = await db.query<{ instruction: string; heatmap_image: string | null }>(
    "SELECT p.instruction, p.heatmap_image FROM labels l JOIN pairs p ON p.id = l.pair_id WHERE l.project_id = $1",
    [projectId],
  );
  expect(shown).toContain(stored.rows[0]!.instruction);
  expect(stored.rows[0]!.heatmap_image).toMatch(/^[0-9a-f]{64}$/);

  // D shows the change map made after the import.
  await ann.keyboard.press("d");
  await expect(ann.getByText(/Changed \d+(\.\d+)?%/)).toBeVisible();
  await context.close();
});

test("an import that finds only pairs already present is not shown as a green Done, and its report names the pairs matched", async ({ asAdmin, seedPairs }) => {
  test.setTimeout(120_000);
  const { page } = asAdmin;
  const files = e2eEnv().imageFiles;
  // seedPairs gives the project pairs e2e-0 and e2e-1; the manifest brings the same two ids again.
  const project = await seedPairs({ pairs: 2 });
  await page.goto(`/admin/projects/${project.id}/import`);
  const manifest = [0, 1].map((i) => JSON.stringify({ id: `e2e-${i}`, instruction: files[i]!.instruction, source_image: files[i]!.source, edited_image: files[i]!.edited })).join("\n");
  await page.getByLabel("Choose a file").setInputFiles({ name: "again.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(manifest) });
  await expect(page.getByText("2 of 2 preview rows valid")).toBeVisible();
  // The preview resolved the rows' images under the server's image root, as the import will.
  await expect(page.getByRole("region", { name: "Image check" })).toContainText("The 4 images of 2 sampled rows resolve as the import will resolve them.");

  const startButton = page.getByRole("button", { name: "Start import" });
  await expect(startButton).toBeEnabled();
  await startButton.focus();
  await page.keyboard.press("Enter");

  const card = page.getByRole("article", { name: /^Import \d+$/ });
  await expect(card.getByText("Nothing new: 2 rows already present.")).toBeVisible({ timeout: 60_000 });
  await expect(card.getByText(/^Status: Nothing new$/)).toBeVisible();
  await expect(card.getByText(/^Status: Done$/)).toHaveCount(0);
  const bar = card.getByRole("progressbar", { name: /^Import \d+ progress$/ });
  await expect(bar).toHaveAttribute("aria-valuenow", "100");
  await expect(bar.locator("div")).not.toHaveClass(/emerald/);
  await expect(card.getByRole("definition").filter({ hasText: /^2$/ })).toHaveCount(1); // "Already present: 2"

  const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: /^Download report/ }).click()]);
  const lines = readFileSync((await download.path())!, "utf8").trim().split("\n").slice(1);
  expect(lines.map((l) => l.split(",").slice(0, 9))).toEqual(
    [0, 1].map((i) => ["already present", "again.jsonl", String(i + 1), "", "", String(i), `e2e-${i}`, expect.stringMatching(/^already present: /), project.pairIds[i]]),
  );
});

test("uploads stream whole past the proxy's 10 MB buffer, the configured cap answers 413, and only admins may upload", async ({ asAdmin, db, browser, baseURL }) => {
  const { page } = asAdmin;
  // 12 MB: above Next's proxy body buffer (10 MB), which would truncate a body if the route went through it.
  const big = Buffer.alloc(12 * 1024 * 1024, "a");
  const ok = await page.request.put("/api/uploads?name=big.jsonl", { data: big, headers: { "Content-Type": "application/octet-stream" } });
  expect(ok.status()).toBe(200);
  const body = (await ok.json()) as { uploadId: string; size: number; name: string };
  expect(body).toMatchObject({ size: big.length, name: "big.jsonl" });
  const stored = await db.query<{ size: string }>("SELECT size::text FROM uploads WHERE id = $1", [body.uploadId]);
  expect(Number(stored.rows[0]!.size)).toBe(big.length);

  const tooBig = await page.request.put("/api/uploads?name=huge.jsonl", { data: Buffer.alloc(21 * 1024 * 1024, "b") });
  expect(tooBig.status()).toBe(413);
  expect(((await tooBig.json()) as { error: { message: string } }).error.message).toMatch(/upload limit/);

  const annotator = await createUser(db, "annotator");
  const { page: ann, context } = await signInNewContext(browser, annotator, { baseURL });
  const refused = await ann.request.put("/api/uploads?name=x.jsonl", { data: Buffer.from("{}") });
  expect(refused.status()).toBe(403);
  expect((await ann.request.get("/api/import-root")).status()).toBe(403);
  await context.close();
});
