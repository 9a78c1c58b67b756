import { defineConfig } from "prisma/config";

// Only `prisma generate` is used (offline, see docs/decisions/002); migrations are our own SQL.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
