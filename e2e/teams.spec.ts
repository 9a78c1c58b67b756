import { createUser, expect, signInNewContext, test } from "./fixtures";

// Projects for teams (issue 16 point 4): an admin renames a project, chooses its team and archives it by
// keyboard, and the annotators see exactly the projects they may work on; the reject reasons are edited
// in Settings and the annotator's reject panel follows; deletion needs the name typed.

test("rename, team and archive by keyboard; annotators see only what they may work on", async ({ asAdmin, seedPairs, db, browser, baseURL }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 3 });
  const member = await createUser(db, "annotator", "Mia Member");
  const outsider = await createUser(db, "annotator", "Otto Outsider");
  await page.goto(`/admin/projects/${project.id}/settings`);

  const renamed = `${project.name} (renamed)`;
  const name = page.getByRole("textbox", { name: "Name", exact: true });
  await name.focus();
  await page.keyboard.press("End");
  await page.keyboard.type(" (renamed)");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Renamed" })).toHaveText(`Renamed to "${renamed}".`);
  await expect(page.getByRole("heading", { name: `Settings for ${renamed}` })).toBeVisible();

  const team = page.getByRole("region", { name: "Team" });
  await team.getByRole("checkbox", { name: /Only the people ticked below/ }).focus();
  await page.keyboard.press("Space");
  await team.getByRole("checkbox", { name: "Mia Member annotates" }).focus();
  await page.keyboard.press("Space");
  await team.getByRole("button", { name: "Save team" }).focus();
  await page.keyboard.press("Enter");
  await expect(team.getByRole("status")).toHaveText(/Team saved: 1 annotator and 0 reviewers/);
  const stored = await db.query(`SELECT user_id, annotates FROM project_members WHERE project_id = $1`, [project.id]);
  expect(stored.rows).toEqual([{ user_id: member.id, annotates: true }]);

  const { context: outsiderCtx, page: outsiderPage } = await signInNewContext(browser, outsider, { baseURL });
  const { context: memberCtx, page: memberPage } = await signInNewContext(browser, member, { baseURL });
  try {
    await outsiderPage.goto("/");
    await expect(outsiderPage.getByRole("heading", { name: "Projects" })).toBeVisible();
    await expect(outsiderPage.getByRole("link", { name: `Annotate ${renamed}` })).toHaveCount(0);
    const refused = await outsiderPage.goto(`/annotate/${project.id}`);
    expect(refused?.status()).toBe(403);
    const api = await outsiderPage.request.post(`/api/projects/${project.id}/next`, { data: {}, headers: { origin: baseURL! } });
    expect(api.status()).toBe(403);
    expect(((await api.json()) as { error: { message: string } }).error.message).toMatch(/not one of this project's annotators/);

    await memberPage.goto("/");
    await expect(memberPage.getByRole("link", { name: `Annotate ${renamed}` })).toBeVisible();

    // Archive: read-only and hidden from the member too, until unarchived.
    const archive = page.getByRole("button", { name: "Archive", exact: true });
    await archive.focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Archived" })).toHaveText("Archived.");
    await memberPage.reload();
    await expect(memberPage.getByRole("link", { name: `Annotate ${renamed}` })).toHaveCount(0);
    const archivedClaim = await memberPage.request.post(`/api/projects/${project.id}/next`, { data: {}, headers: { origin: baseURL! } });
    expect(archivedClaim.status()).toBe(403);
    await page.getByRole("button", { name: "Unarchive" }).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Unarchived" })).toBeVisible();
    await memberPage.reload();
    await expect(memberPage.getByRole("link", { name: `Annotate ${renamed}` })).toBeVisible();
  } finally {
    await outsiderCtx.close();
    await memberCtx.close();
  }

  // Delete: the account first, the button only once the exact name is typed.
  await page.getByRole("link", { name: "Delete this project…" }).click();
  await expect(page.getByRole("heading", { name: `Delete ${renamed}` })).toBeVisible();
  await expect(page.getByText("3 pairs, with their leases")).toBeVisible();
  const del = page.getByRole("button", { name: `Delete ${renamed}` });
  await expect(del).toBeDisabled();
  await page.getByRole("textbox", { name: /Type the project's name/ }).fill(renamed);
  await del.click();
  await expect(page).toHaveURL(/\/admin\?deleted=/);
  await expect(page.getByRole("cell", { name: renamed, exact: true })).toHaveCount(0);
  await expect.poll(async () => (await db.query(`SELECT 1 FROM projects WHERE id = $1`, [project.id])).rowCount, { timeout: 30_000 }).toBe(0);
});

test("the reject-reason taxonomy is edited in Settings and the annotator's reject panel follows", async ({ asAdmin, seedPairs, db, browser, baseURL }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 2 });
  await page.goto(`/admin/projects/${project.id}/settings`);
  const reasons = page.getByRole("region", { name: "Reject reasons" });

  const artifacts = reasons.getByRole("textbox", { name: "Name of reason artifacts" });
  await artifacts.fill("Artifacts, smears or distortion");
  await reasons.getByRole("combobox", { name: "Dimension of Artifacts, smears or distortion" }).selectOption("NC");
  await reasons.getByRole("button", { name: "Retire Anatomy error" }).click();
  await reasons.getByRole("textbox", { name: "New reason" }).fill("Blurry face");
  await reasons.getByRole("combobox", { name: "Dimension", exact: true }).selectOption("VQ");
  await reasons.getByRole("button", { name: "Add reason" }).click();
  await reasons.getByRole("button", { name: "Save reasons" }).click();
  await expect(reasons.getByRole("status")).toHaveText("Reasons saved: 12 in use, 1 retired.");

  const [stored] = (await db.query<{ reject_reasons: { code: string; label: string; dimension: string; retired?: boolean }[] }>(
    `SELECT reject_reasons FROM projects WHERE id = $1`, [project.id])).rows;
  const byCode = new Map(stored!.reject_reasons.map((r) => [r.code, r]));
  expect(byCode.get("artifacts")).toEqual({ code: "artifacts", label: "Artifacts, smears or distortion", dimension: "NC" });
  expect(byCode.get("anatomy_error")?.retired).toBe(true);
  expect(byCode.get("blurry_face")).toEqual({ code: "blurry_face", label: "Blurry face", dimension: "VQ" });

  const annotator = await createUser(db, "annotator");
  const { context, page: ann } = await signInNewContext(browser, annotator, { baseURL });
  try {
    await ann.goto(`/annotate/${project.id}`);
    await expect(ann.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();
    await ann.keyboard.press("r");
    const panel = ann.getByRole("group", { name: /^Reject reasons/ });
    await expect(panel.getByRole("checkbox", { name: /Blurry face/ })).toBeVisible();
    await expect(panel.getByRole("checkbox", { name: /Artifacts, smears or distortion/ })).toBeVisible();
    await expect(panel.getByRole("checkbox", { name: /Anatomy error/ })).toHaveCount(0);
  } finally {
    await context.close();
  }
});
