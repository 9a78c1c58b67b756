"use client";

import type { ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";

// The project's guidelines as Markdown (the workbenches' side panel, components/workbench/guidelines-panel.tsx,
// shows them beside the images). react-markdown builds React elements, never HTML strings, and `skipHtml`
// drops raw HTML in the source, so an admin's text cannot inject markup; its default URL transform already
// refuses javascript: and other unsafe links.

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
