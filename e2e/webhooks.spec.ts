import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";
import { Webhook } from "standardwebhooks";
import { verify } from "../lib/webhooks/signature";

// An admin adds an endpoint by keyboard, copies the secret shown once, sends a test event and watches it in
// the log. The receiver is a real HTTP server checking the signature as docs/guide/webhooks.md describes:
// with the official Standard Webhooks library, and the deprecated Loupe-Signature beside it.

interface Received {
  event: string | undefined;
  delivery: string | undefined;
  body: string;
  verified: boolean;
}

async function startReceiver(secretOf: () => string) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let standard = false;
      try {
        new Webhook(secretOf()).verify(body, req.headers as Record<string, string>);
        standard = true;
      } catch (err) {
        console.warn(`receiver: ${(err as Error).message}`);
      }
      const verified = standard && verify(secretOf(), req.headers["loupe-signature"] as string | undefined, body);
      received.push({ event: req.headers["loupe-event"] as string, delivery: req.headers["loupe-delivery"] as string, body, verified });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    url: `http://127.0.0.1:${port}/hooks/loupe`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test("an admin adds a webhook endpoint by keyboard, sends a test event and sees it delivered", async ({ asAdmin, seedPairs }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 1 });
  let secret = "";
  const receiver = await startReceiver(() => secret);
  try {
    await page.goto(`/admin/projects/${project.id}/webhooks`);
    await expect(page.getByRole("heading", { name: `Webhooks for ${project.name}` })).toBeVisible();
    await expect(page.getByRole("link", { name: "Webhooks" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("No endpoints yet.")).toBeVisible();

    // Keyboard only: the URL, past the description, tick "Export finished" too, then submit.
    await page.getByLabel("Endpoint URL").focus();
    await page.keyboard.type(receiver.url);
    await page.keyboard.press("Tab"); // description
    await page.keyboard.type("Training pipeline");
    await page.keyboard.press("Tab"); // Pair finalised (ticked already)
    await page.keyboard.press("Tab"); // Pair reopened
    await page.keyboard.press("Tab"); // Export finished
    await page.keyboard.press("Space");
    await expect(page.getByRole("checkbox", { name: /Pair finalised/ })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: /Export finished/ })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: /Pair reopened/ })).not.toBeChecked();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Add endpoint" })).toBeFocused();
    await page.keyboard.press("Enter");

    await expect(page.getByRole("heading", { name: /Endpoint added: copy its signing secret now/ })).toBeFocused();
    const secretBox = page.getByRole("textbox", { name: `Signing secret for ${receiver.url}` });
    secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/); // Standard Webhooks: base64 of 32 bytes
    const card = page.getByRole("article", { name: receiver.url });
    await expect(card).toContainText("Pair finalised · Export finished");
    await expect(card).toContainText("Active");
    await expect(card.getByText("Nothing sent yet.")).toBeVisible();
    await page.getByRole("button", { name: "I have stored the secret" }).press("Enter");
    await expect(secretBox).toHaveCount(0);

    await card.getByRole("button", { name: "Send test event to Training pipeline" }).focus();
    await page.keyboard.press("Enter");
    await expect(card.getByRole("status")).toContainText(/Test event queued as delivery #\d+/);

    const log = card.getByRole("table", { name: `Deliveries to Training pipeline, newest first` });
    const row = log.getByRole("row", { name: /Test event/ });
    await expect(row.getByText("Delivered")).toBeVisible({ timeout: 15_000 });
    await expect(row).toContainText("HTTP 204");
    await expect(row).toContainText("1 of 1");

    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got).toMatchObject({ event: "webhook.test", verified: true });
    expect(JSON.parse(got!.body)).toMatchObject({ type: "webhook.test", projectId: project.id });
    // The log's delivery number is the one the receiver saw in Loupe-Delivery.
    await expect(row).toContainText(`#${got!.delivery}`);
    await page.reload();
    await expect(page.getByRole("article", { name: receiver.url })).toBeVisible();
    expect(await page.content()).not.toContain(secret);
  } finally {
    await receiver.close();
  }
});

test("reviewers cannot see or change webhooks", async ({ asReviewer, seedPairs }) => {
  const { page } = asReviewer;
  const project = await seedPairs({ pairs: 1 });
  const response = await page.goto(`/admin/projects/${project.id}/webhooks`);
  expect(response?.status()).toBe(403);
  const list = await page.request.get(`/api/projects/${project.id}/webhooks`);
  expect(list.status()).toBe(403);
  const create = await page.request.post(`/api/projects/${project.id}/webhooks`, {
    data: { url: "https://example.com/h", events: ["pair.finalized"] },
  });
  expect(create.status()).toBe(403);
});
