import "server-only";
import { NextResponse } from "next/server";
import { getDatabase } from "../db";

/** Unauthenticated liveness + database check for load balancers and the test harness (GET /api/health). */
export async function healthResponse(): Promise<NextResponse> {
  try {
    const db = await getDatabase();
    await db.query("SELECT 1");
    return NextResponse.json({ ok: true, database: db.kind });
  } catch (err) {
    console.error("[loupe] health check failed", err);
    return NextResponse.json({ ok: false }, { status: 503 });
  }
}
