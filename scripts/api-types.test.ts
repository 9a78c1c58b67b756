import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, renderApiTypes } from "./api-types";

describe("the generated API client types", () => {
  it("are what npm run api:types writes from the current OpenAPI document", async () => {
    const checkedIn = await readFile(API_TYPES_FILE, "utf8");
    // On failure: run `npm run api:types` and commit clients/typescript/schema.ts.
    expect(checkedIn === (await renderApiTypes()), "clients/typescript/schema.ts is out of date: run npm run api:types").toBe(true);
    expect(checkedIn).toContain('"/api/v1/projects/{projectId}/labels"');
    expect(checkedIn).toMatch(/"pair\.reopened"/);
  });
});
