import type { ReactNode } from "react";

/**
 * The workbench's screen, sized to the viewport from lg up: the header line, the compare view with the
 * decision bar under it, and a side rail beside them. Whatever opens (reject reasons, an editor, the
 * guidelines, the history) opens in `overlay`, laid over the rail, so the images never move or shrink.
 * The rail is as narrow as its content allows until the images have room for their natural size beside it.
 */
export function WorkbenchFrame({ header, compare, bar, rail, overlay, railWidth = "annotate" }: {
  header: ReactNode;
  compare: ReactNode;
  /** The decision bar, and whatever must stay in view with it (the reviewer's note): the panes give up the height. */
  bar: ReactNode;
  rail: ReactNode;
  overlay: ReactNode | null;
  /** Both rails give way to two natural-size 512 px images; the reviewer's grows further on a wide screen. */
  railWidth?: "annotate" | "review";
}) {
  const rail_w = railWidth === "annotate" ? "lg:w-[clamp(14rem,calc(100vw-66rem),24rem)]" : "lg:w-[clamp(14rem,calc(100vw-66rem),28rem)]";
  return (
    <div className="mx-auto flex w-full max-w-[1800px] min-h-0 flex-1 flex-col gap-2 p-2 lg:overflow-hidden">
      {header}
      <div className="flex min-h-0 flex-1 flex-col gap-2 lg:flex-row">
        <div className="flex min-h-0 min-w-0 flex-1 flex-col gap-2">
          <div className="flex min-h-0 flex-1 flex-col">{compare}</div>
          {bar}
        </div>
        <aside aria-label="Pair details" className={`flex min-h-0 shrink-0 flex-col gap-2 ${rail_w}`}>
          <div className="relative flex min-h-0 flex-1 flex-col">
            <div className="flex min-h-0 flex-1 flex-col gap-2 lg:overflow-y-auto">{rail}</div>
            {overlay ? (
              <div className="z-10 flex flex-col lg:absolute lg:inset-0 lg:overflow-y-auto">{overlay}</div>
            ) : null}
          </div>
        </aside>
      </div>
    </div>
  );
}
