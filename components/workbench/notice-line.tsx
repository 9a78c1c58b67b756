import type { TNotice } from "./pair-flow";

export function NoticeLine({ notice }: { notice: TNotice | null }) {
  return (
    <div role="status" aria-live="polite" className="min-h-6 text-sm">
      {notice ? <span className={notice.kind === "error" ? "text-red-700" : "text-neutral-700"}>{notice.text}</span> : null}
    </div>
  );
}
