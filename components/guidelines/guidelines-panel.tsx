"use client";

import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";

// The project's guidelines as Markdown in a side panel that opens over the right edge of the page, so it
// never moves the images (issue 16 point 4). react-markdown builds React elements, never HTML strings, and
// `skipHtml` drops raw HTML in the source, so an admin's text cannot inject markup; its default URL
// transform already refuses javascript: and other unsafe links.
//
// API: <GuidelinesToggle markdown=… /> renders the button and owns the panel; <GuidelinesPanel> is the
// panel alone for a layout that controls it (open, onClose).

const COMPONENTS: Components = {
  h1: ({ children }) => <h2 className="mt-4 text-lg font-semibold first:mt-0">{children}</h2>,
  h2: ({ children }) => <h3 className="mt-4 text-base font-semibold first:mt-0">{children}</h3>,
  h3: ({ children }) => <h4 className="mt-3 font-semibold first:mt-0">{children}</h4>,
  p: ({ children }) => <p className="mt-2 first:mt-0">{children}</p>,
  ul: ({ children }) => <ul className="mt-2 list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="mt-2 list-decimal space-y-1 pl-5">{children}</ol>,
  a: ({ children, href }) => (
    <a href={href} target="_blank" rel="noreferrer noopener" className="text-link underline">
      {children}
    </a>
  ),
  code: ({ children }) => <code className="rounded bg-surface-muted px-1 font-mono text-[0.9em]">{children}</code>,
  blockquote: ({ children }) => <blockquote className="mt-2 border-l-4 border-line pl-3 text-muted">{children}</blockquote>,
  // Images from guidelines would load from anywhere: shown as their description instead.
  img: ({ alt }) => <span className="italic">[image: {alt}]</span>,
};

export function GuidelinesMarkdown({ markdown }: { markdown: string }): ReactNode {
  return (
    <Markdown skipHtml components={COMPONENTS}>
      {markdown}
    </Markdown>
  );
}

export function GuidelinesPanel({ markdown, open, onClose, id }: {
  markdown: string;
  open: boolean;
  onClose: () => void;
  /** For the toggle's aria-controls. */
  id?: string;
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [open, onClose]);
  if (!open) return null;
  return (
    <aside id={id} aria-label="Guidelines"
      className="fixed inset-y-0 right-0 z-40 flex w-[min(28rem,92vw)] flex-col border-l border-line bg-surface text-sm text-fg shadow-xl">
      <div className="flex items-center justify-between border-b border-line px-4 py-2">
        <h2 className="font-semibold">Guidelines</h2>
        <button ref={closeRef} type="button" onClick={onClose} aria-keyshortcuts="Escape"
          className="rounded-md border border-line px-2 py-1 text-sm">
          Close
        </button>
      </div>
      <div className="overflow-y-auto px-4 py-3 leading-relaxed">
        <GuidelinesMarkdown markdown={markdown} />
      </div>
    </aside>
  );
}

export function GuidelinesToggle({ markdown }: { markdown: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  if (!markdown.trim()) return null;
  return (
    <>
      <button ref={toggleRef} type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}
        className="rounded-md border border-line px-2 py-1 text-sm">
        Guidelines
      </button>
      <GuidelinesPanel id={id} markdown={markdown} open={open}
        onClose={() => {
          setOpen(false);
          toggleRef.current?.focus();
        }} />
    </>
  );
}
