import type { TNotice } from "./pair-flow";

/** The page's last word (saved, undone, not saved and why), beside the decision buttons: two lines at most, so nothing moves. */
export function NoticeLine({ notice }: { notice: TNotice | null }) {
  return (
    <div role="status" aria-live="polite" className="line-clamp-2 min-w-0 flex-1 text-sm" title={notice?.text}>
      {notice ? <span className={notice.kind === "error" ? "font-medium text-red-700" : "text-neutral-700"}>{notice.text}</span> : null}
    </div>
  );
}
