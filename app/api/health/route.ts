import { NextResponse } from "next/server";
import { getDatabase } from "@/lib/db";

export const dynamic = "force-dynamic";

// Unauthenticated liveness + database check for load balancers and the test harness.
export async function GET() {
  try {
    const db = await getDatabase();
    await db.runner.query("SELECT 1");
    return NextResponse.json({ ok: true, database: db.kind });
  } catch (err) {
    console.error("[loupe] health check failed", err);
    return NextResponse.json({ ok: false }, { status: 503 });
  }
}
