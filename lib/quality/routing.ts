// Why consensus sends a pair to review (pairs.review_reasons, set by loupe_settle_pair). Pure: the
// review page imports it too.
export const ROUTING_REASONS = ["decision", "recaption", "verifier"] as const;
export type TRoutingReason = (typeof ROUTING_REASONS)[number];
