"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { callJson } from "@/components/ui/api-client";
import type { TTeamInput, TTeamMember } from "@/lib/projects/schemas";


/** Who annotates and who reviews the project; admins always may, so they are not listed. */
export function TeamEditor({ projectId, restricted, people }: { projectId: number; restricted: boolean; people: TTeamMember[] }) {
  const router = useRouter();
  const id = useId();
  const [only, setOnly] = useState(restricted);
  const [rights, setRights] = useState(() => new Map(people.map((p) => [p.id, { annotates: p.annotates, reviews: p.reviews }])));
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  function toggle(userId: number, key: "annotates" | "reviews") {
    setRights((m) => {
      const next = new Map(m);
      const r = next.get(userId)!;
      next.set(userId, { ...r, [key]: !r[key] });
      return next;
    });
  }

  async function save() {
    setBusy(true);
    setNote(null);
    const input: TTeamInput = { restricted: only, members: [...rights].map(([userId, r]) => ({ userId, ...r })) };
    try {
      await callJson(`/api/projects/${projectId}/team`, { method: "PUT", body: JSON.stringify(input) });
      const a = input.members.filter((m) => m.annotates).length;
      const r = input.members.filter((m) => m.reviews).length;
      setNote({
        ok: true,
        text: only
          ? `Team saved: ${a} ${a === 1 ? "annotator" : "annotators"} and ${r} ${r === 1 ? "reviewer" : "reviewers"} may work on this project.`
          : "Team saved. The project is open to every annotator and reviewer.",
      });
      router.refresh();
    } catch (err) {
      setNote({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-line bg-surface p-4">
      <h2 id={`${id}-h`} className="text-lg font-semibold">Team</h2>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={only} onChange={() => setOnly((o) => !o)} />
        Only the people ticked below may annotate or review this project
      </label>
      <p className="text-sm text-muted">
        {only ? "Everyone else is refused, and the project is hidden from them. Admins may always work on it."
          : "Open to every annotator and reviewer, as projects are until a team is chosen."}
      </p>
      {people.length === 0 ? (
        <p className="text-sm text-muted">No annotators or reviewers yet: add people on the Users page.</p>
      ) : (
        <table className="w-full text-sm">
          <caption className="sr-only">Annotators and reviewers, and what each may do in this project</caption>
          <thead className="text-left">
            <tr className="border-b border-line">
              <th scope="col" className="p-2">Person</th>
              <th scope="col" className="p-2">Role</th>
              <th scope="col" className="p-2">Annotates</th>
              <th scope="col" className="p-2">Reviews</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => {
              const r = rights.get(p.id)!;
              return (
                <tr key={p.id} className="border-b border-line last:border-0">
                  <th scope="row" className="p-2 text-left font-normal">{p.name} <span className="text-muted">{p.email}</span></th>
                  <td className="p-2">{p.role}</td>
                  <td className="p-2">
                    <input type="checkbox" checked={r.annotates} onChange={() => toggle(p.id, "annotates")} aria-label={`${p.name} annotates`} />
                  </td>
                  <td className="p-2">
                    {p.role === "reviewer" ? (
                      <input type="checkbox" checked={r.reviews} onChange={() => toggle(p.id, "reviews")} aria-label={`${p.name} reviews`} />
                    ) : <span className="text-muted">not a reviewer</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => void save()} disabled={busy}
        className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg disabled:opacity-50">
        Save team
      </button>
      {note ? <p role={note.ok ? "status" : "alert"} className={`text-sm ${note.ok ? "text-success" : "text-danger"}`}>{note.text}</p> : null}
    </section>
  );
}
