export function NothingLeft({ canUndo, busy, onUndo }: { canUndo: boolean; busy: boolean; onUndo: () => void }) {
  return (
    <section className="rounded-lg border border-neutral-200 bg-white p-10 text-center">
      <h2 className="text-xl font-semibold">Nothing left for you in this project</h2>
      <p className="mt-2 text-neutral-600">Every open pair is decided or being worked on by someone else. Check back later.</p>
      <div className="mt-4 flex justify-center gap-3">
        <button type="button" onClick={onUndo} disabled={!canUndo || busy}
          className="rounded-md border border-neutral-300 px-3 py-2 disabled:opacity-50" aria-keyshortcuts="Z">
          Undo
        </button>
      </div>
    </section>
  );
}
