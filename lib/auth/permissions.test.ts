import { describe, expect, it } from "vitest";
import { can } from "./permissions";

describe("permission table", () => {
  it("denies unknown permissions to everyone, admins included", () => {
    expect(can("admin", "launch:missiles")).toBe(false);
    expect(can("admin", "")).toBe(false);
    expect(can("admin", "toString")).toBe(false);
  });
  it("denies when there is no role", () => {
    expect(can(null, "annotate:pair")).toBe(false);
    expect(can(undefined, "annotate:pair")).toBe(false);
  });
  it("keeps admin-only permissions from reviewers and annotators", () => {
    for (const p of ["user:manage", "project:manage", "admin:view", "export:project", "quality:view", "audit:read"]) {
      expect(can("admin", p)).toBe(true);
      expect(can("reviewer", p)).toBe(false);
      expect(can("annotator", p)).toBe(false);
    }
  });
  it("lets reviewers review and annotators only annotate", () => {
    expect(can("reviewer", "review:label:any")).toBe(true);
    expect(can("annotator", "review:label:any")).toBe(false);
    expect(can("annotator", "annotate:pair")).toBe(true);
    expect(can("reviewer", "gold:promote")).toBe(true);
    expect(can("annotator", "gold:promote")).toBe(false);
  });
  it("lets only admins manage webhooks", () => {
    expect(can("admin", "webhook:manage")).toBe(true);
    expect(can("reviewer", "webhook:manage")).toBe(false);
    expect(can("annotator", "webhook:manage")).toBe(false);
  });

  it("keeps the pipeline API and its tokens to admins; the API description is for anyone signed in", () => {
    for (const p of ["api:token:manage", "api:pairs:write", "api:labels:read", "api:progress:read", "api:calibration:read"]) {
      expect(can("admin", p)).toBe(true);
      expect(can("reviewer", p)).toBe(false);
      expect(can("annotator", p)).toBe(false);
    }
    expect(can("annotator", "api:docs:read")).toBe(true);
    expect(can(null, "api:docs:read")).toBe(false);
  });
});
