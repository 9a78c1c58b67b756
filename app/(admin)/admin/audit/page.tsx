import type { Metadata } from "next";
import Link from "next/link";
import { requirePage } from "@/lib/auth/page";
import {
  listAuditActions,
  listAuditActors,
  listAuditEvents,
  summarizeAuditEvent,
  ZAuditQuery,
  type TAuditEvent,
  type TAuditPage,
} from "@/lib/audit-log/queries";
import { AppHeader } from "@/components/ui/app-header";
import { LocalTime } from "@/components/admin/quality/local-time";
import { TimeZoneInput } from "@/components/admin/audit/time-zone-input";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

type TSearch = Record<string, string | string[] | undefined>;

const FILTER_KEYS = ["actor", "action", "from", "to", "tz"] as const;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function pageHref(search: Record<string, string | undefined>, cursor?: string): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = search[k];
    if (v) q.set(k, v);
  }
  if (cursor) q.set("cursor", cursor);
  const s = q.toString();
  return s ? `/admin/audit?${s}` : "/admin/audit";
}

function subjectText(e: TAuditEvent): string {
  if (!e.subjectId) return e.subjectType;
  return e.subjectName ? `${e.subjectType} ${e.subjectName} (#${e.subjectId})` : `${e.subjectType} #${e.subjectId}`;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<TSearch> }) {
  const { user, db } = await requirePage("audit:read", "/admin/audit");
  const raw = await searchParams;
  const search = Object.fromEntries([...FILTER_KEYS, "cursor"].map((k) => [k, first(raw[k])])) as Record<string, string | undefined>;
  const parsed = ZAuditQuery.safeParse(search);
  const [actors, actions, page] = await Promise.all([
    listAuditActors(db),
    listAuditActions(db),
    parsed.success ? listAuditEvents(db, parsed.data) : Promise.resolve<TAuditPage>({ events: [], nextCursor: null }),
  ]);
  const filtered = FILTER_KEYS.some((k) => k !== "tz" && search[k]);
  const fallbackZone = parsed.success && parsed.data.tz ? parsed.data.tz : "UTC";

  return (
    <>
      <AppHeader user={user} title="Audit log" />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-neutral-600">
          Every label, adjudication, gold change, pause, import, user and project change, written in the same transaction as the change.
        </p>
        <form method="get" action="/admin/audit" aria-label="Filter the audit log" className="grid gap-3 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-4">
          <label className="text-sm">
            Actor
            <select name="actor" defaultValue={search.actor ?? ""} className="mt-1 w-full rounded border border-neutral-300 px-2 py-1">
              <option value="">Anyone</option>
              <option value="system">System (triggers and jobs)</option>
              {actors.map((a) => (
                <option key={a.id} value={String(a.id)}>
                  {a.name} ({a.email})
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            Action
            <select name="action" defaultValue={search.action ?? ""} className="mt-1 w-full rounded border border-neutral-300 px-2 py-1">
              <option value="">Any action</option>
              {actions.map((a) => (
                <option key={a} value={a}>{a}</option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            From
            <input type="datetime-local" name="from" defaultValue={search.from ?? ""} aria-describedby="audit-zone"
              className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
          </label>
          <label className="text-sm">
            To
            <input type="datetime-local" name="to" defaultValue={search.to ?? ""} aria-describedby="audit-zone"
              className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
          </label>
          <div className="flex flex-wrap items-center gap-3 sm:col-span-4">
            <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-white">Apply filters</button>
            {filtered ? <Link href="/admin/audit" className="text-sm text-indigo-700 underline">Clear filters</Link> : null}
            <TimeZoneInput fallback={fallbackZone} describedById="audit-zone" />
          </div>
        </form>

        {parsed.success ? null : (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
            These filters cannot be read: {parsed.error.issues.map((i) => i.message).join(" ")}
          </p>
        )}

        <table className="w-full bg-white text-sm">
          <caption className="sr-only">Audit events, newest first{filtered ? ", filtered" : ""}</caption>
          <thead className="bg-neutral-100 text-left">
            <tr>
              <th scope="col" className="p-2">Time</th>
              <th scope="col" className="p-2">Actor</th>
              <th scope="col" className="p-2">Action</th>
              <th scope="col" className="p-2">Subject</th>
              <th scope="col" className="p-2">Details</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((e) => (
              <tr key={e.id} className="border-t border-neutral-200 align-top">
                <td className="whitespace-nowrap p-2 tabular-nums"><LocalTime iso={e.createdAt.toISOString()} withSeconds /></td>
                <td className="p-2">{e.actorId === null ? <span className="text-neutral-500">system</span> : (e.actorName ?? `user #${e.actorId}`)}</td>
                <td className="p-2"><code>{e.action}</code></td>
                <td className="p-2">
                  {e.subjectType === "pair" && e.pairProjectId !== null && e.subjectId
                    ? <Link href={`/admin/projects/${e.pairProjectId}/pairs/${e.subjectId}`} className="text-indigo-700 underline">{subjectText(e)}</Link>
                    : subjectText(e)}
                </td>
                <td className="p-2">
                  <p>{summarizeAuditEvent(e)}</p>
                  <details className="mt-1">
                    <summary className="cursor-pointer text-xs text-indigo-700">Data of event {e.id}</summary>
                    <pre className="mt-1 max-w-xl overflow-x-auto whitespace-pre-wrap break-all rounded bg-neutral-50 p-2 text-xs">{JSON.stringify(e.data, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.events.length === 0 && parsed.success ? (
          <p className="text-sm text-neutral-600">{filtered || search.cursor ? "No entries match these filters." : "The audit log is empty."}</p>
        ) : null}
        <nav aria-label="Audit log pages" className="flex gap-4 text-sm">
          {search.cursor ? <Link href={pageHref(search)} className="text-indigo-700 underline">Newest entries</Link> : null}
          {page.nextCursor ? <Link href={pageHref(search, page.nextCursor)} className="text-indigo-700 underline">Older entries</Link> : null}
        </nav>
      </main>
    </>
  );
}
