import type { ReactNode } from "react";

export function WorkbenchHeader({ title, figures, figuresTestId, onShortcuts, guidelines, guidelinesOpen, onGuidelines }: {
  title: string;
  figures: ReactNode;
  figuresTestId: string;
  /** Null hides the shortcuts button (no keys to explain). */
  onShortcuts: (() => void) | null;
  guidelines: string;
  /** The guidelines open beside the images (GuidelinesPanel), never above them. */
  guidelinesOpen: boolean;
  onGuidelines: () => void;
}) {
  return (
    <div className="flex min-h-8 flex-wrap items-center gap-x-4 gap-y-1">
      <h1 className="truncate text-base font-semibold">{title}</h1>
      <p className="text-sm text-neutral-600" aria-live="polite" data-testid={figuresTestId}>
        {figures}
      </p>
      <div className="ml-auto flex items-center gap-2">
        {guidelines ? (
          <button type="button" aria-expanded={guidelinesOpen} aria-controls="guidelines-panel" onClick={onGuidelines}
            className="rounded-md border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100">
            Guidelines
          </button>
        ) : null}
        {onShortcuts ? (
          <button type="button" onClick={onShortcuts} aria-keyshortcuts="?"
            className="rounded-md border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100">
            Keyboard shortcuts
          </button>
        ) : null}
      </div>
    </div>
  );
}
