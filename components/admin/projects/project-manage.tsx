"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { callJson } from "@/components/ui/api-client";

/** Rename and archive (read-only, hidden from annotators) or unarchive; deleting is its own page. */
export function ProjectManage({ projectId, name, archived }: { projectId: number; name: string; archived: boolean }) {
  const router = useRouter();
  const id = useId();
  const [draft, setDraft] = useState(name);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  async function patch(body: { name?: string; archived?: boolean }, done: string) {
    setBusy(true);
    setNote(null);
    try {
      await callJson(`/api/projects/${projectId}`, { method: "PATCH", body: JSON.stringify(body) });
      setNote({ ok: true, text: done });
      router.refresh();
    } catch (err) {
      setNote({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  function rename(e: FormEvent) {
    e.preventDefault();
    void patch({ name: draft.trim() }, `Renamed to "${draft.trim()}".`);
  }

  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-line bg-surface p-4">
      <h2 id={`${id}-h`} className="text-lg font-semibold">Project</h2>
      <form onSubmit={rename} className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor={`${id}-name`} className="block text-sm font-medium">Name</label>
          <input id={`${id}-name`} value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={120} required
            className="mt-1 w-72 rounded-md border border-line bg-surface px-2 py-1" />
        </div>
        <button type="submit" disabled={busy || draft.trim() === name || draft.trim() === ""}
          className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg disabled:opacity-50">
          Rename
        </button>
      </form>
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-sm text-muted">
          {archived
            ? "Archived: read-only and hidden from annotators. Claims, reviews and imports are refused."
            : "Archiving makes the project read-only and hides it from annotators; you can unarchive it at any time."}
        </p>
        <button type="button" disabled={busy}
          onClick={() => void patch({ archived: !archived }, archived ? "Unarchived: annotators can work on it again." : "Archived.")}
          className="rounded-md border border-line px-3 py-1.5 text-sm font-medium">
          {archived ? "Unarchive" : "Archive"}
        </button>
        <Link href={`/admin/projects/${projectId}/delete`} className="text-sm text-danger underline">
          Delete this project…
        </Link>
      </div>
      {note ? (
        <p role={note.ok ? "status" : "alert"} className={`text-sm ${note.ok ? "text-success" : "text-danger"}`}>{note.text}</p>
      ) : null}
    </section>
  );
}
