// Types of next.config.js, for the test that compares its API headers with lib/http/security.ts.
import type { NextConfig } from "next";

export const API_SECURITY_HEADERS: { key: string; value: string }[];
declare const nextConfig: NextConfig;
export default nextConfig;
