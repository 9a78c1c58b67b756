import type { ReactNode } from "react";
import { GuidelinesToggle } from "@/components/guidelines/guidelines-panel";

export function WorkbenchHeader({ title, figures, figuresTestId, onShortcuts, guidelines }: {
  title: string;
  figures: ReactNode;
  figuresTestId: string;
  /** Null hides the shortcuts button (no keys to explain). */
  onShortcuts: (() => void) | null;
  guidelines: string;
}) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <h1 className="text-lg font-semibold">{title}</h1>
      <p className="text-sm text-neutral-600" aria-live="polite" data-testid={figuresTestId}>
        {figures}
      </p>
      {onShortcuts ? (
        <button type="button" onClick={onShortcuts} aria-keyshortcuts="?"
          className="ml-auto rounded-md border border-neutral-300 px-2 py-1 text-sm">
          Keyboard shortcuts
        </button>
      ) : null}
      <GuidelinesToggle markdown={guidelines} />
    </div>
  );
}
