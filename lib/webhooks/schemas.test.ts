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
});
