import { describe, expect, it } from "vitest";
import { ZDeliveryParams, ZDeliveryQuery } from "./schemas";

describe("webhook id parameters", () => {
  it("accept ids up to bigint's maximum and refuse larger ones (400, not a database error)", () => {
    expect(ZDeliveryParams.parse({ endpointId: "3", deliveryId: "9223372036854775807" })).toEqual({ endpointId: 3, deliveryId: 9223372036854775807n });
    for (const big of ["9223372036854775808", "9999999999999999999"]) {
      expect(ZDeliveryParams.safeParse({ endpointId: "3", deliveryId: big }).success, big).toBe(false);
      expect(ZDeliveryQuery.safeParse({ before: big }).success, big).toBe(false);
    }
    expect(ZDeliveryQuery.parse({ before: "42" })).toEqual({ before: 42n });
  });

  it("refuse an id that is not a number instead of throwing (found by fuzzing: a 500)", () => {
    for (const bad of [":", "abc", "1.5", " 1", "-1", ""]) {
      expect(ZDeliveryParams.safeParse({ endpointId: "3", deliveryId: bad }).success, bad).toBe(false);
      expect(ZDeliveryQuery.safeParse({ before: bad }).success, bad).toBe(false);
    }
  });
});
