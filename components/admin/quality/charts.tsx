"use client";

import type { ReactElement } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatCount, formatPercent, REASON_LABELS } from "./format";

// Charts for the quality page. Each drawing is hidden from assistive technology (its keyboard layer off, so
// nothing focusable hides inside aria-hidden); a visually hidden table with the same figures follows.

const COLORS = { open: "#a3a3a3", inReview: "#f59e0b", final: "#059669", gold: "#ca8a04", labels: "#4f46e5", adjudications: "#db2777", below: "#dc2626", early: "#f59e0b", ok: "#059669" };

export function ChartFigure({ title, summary, table, children, height = 240 }: {
  title: string;
  summary: string;
  table: { caption: string; head: string[]; rows: (string | number)[][] };
  children: ReactElement;
  height?: number;
}) {
  return (
    <figure className="rounded-lg border border-neutral-200 bg-white p-4">
      <figcaption className="font-medium">
        {title}
        <span className="block text-sm font-normal text-neutral-600">{summary}</span>
      </figcaption>
      <div aria-hidden="true" className="mt-3" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>{table.caption}</caption>
        <thead>
          <tr>
            {table.head.map((h) => (
              <th key={h} scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function PairStatusChart({ open, inReview, final, gold }: { open: number; inReview: number; final: number; gold: number }) {
  const data = [
    { name: "Open", value: open, color: COLORS.open },
    { name: "In review", value: inReview, color: COLORS.inReview },
    { name: "Final", value: final, color: COLORS.final },
    { name: "of which gold", value: gold, color: COLORS.gold },
  ];
  const total = open + inReview + final;
  return (
    <ChartFigure
      title="Pairs by status"
      summary={`${formatCount(total)} pairs: ${formatCount(open)} open, ${formatCount(inReview)} in review, ${formatCount(final)} final (${formatCount(gold)} of them gold).`}
      table={{ caption: "Pairs by status", head: ["Status", "Pairs"], rows: data.map((d) => [d.name, formatCount(d.value)]) }}
    >
      <BarChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="name" />
        <YAxis allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} width={64} />
        <Tooltip formatter={(v) => formatCount(Number(v))} />
        <Bar dataKey="value" name="Pairs" isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.name} fill={d.color} />
          ))}
        </Bar>
      </BarChart>
    </ChartFigure>
  );
}

export function ThroughputChart({ days }: { days: { day: string; labels: number; adjudications: number }[] }) {
  const labels = days.reduce((s, d) => s + d.labels, 0);
  const adjudications = days.reduce((s, d) => s + d.adjudications, 0);
  const busiest = days.reduce<{ day: string; labels: number } | null>((b, d) => (!b || d.labels > b.labels ? d : b), null);
  return (
    <ChartFigure
      title="Throughput, last 30 days (UTC days)"
      summary={`${formatCount(labels)} labels and ${formatCount(adjudications)} adjudications in 30 days${
        busiest && busiest.labels > 0 ? `; busiest day ${busiest.day} with ${formatCount(busiest.labels)} labels` : ""
      }.`}
      table={{
        caption: "Labels and adjudications per day, last 30 days (UTC)",
        head: ["Day", "Labels", "Adjudications"],
        rows: days.map((d) => [d.day, formatCount(d.labels), formatCount(d.adjudications)]),
      }}
    >
      <ComposedChart data={days} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
        <YAxis yAxisId="labels" allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} width={64} />
        <YAxis yAxisId="adjudications" orientation="right" allowDecimals={false} width={48} />
        <Tooltip formatter={(v) => formatCount(Number(v))} />
        <Legend />
        <Bar yAxisId="labels" dataKey="labels" name="Labels" fill={COLORS.labels} isAnimationActive={false} />
        <Line yAxisId="adjudications" dataKey="adjudications" name="Adjudications" stroke={COLORS.adjudications} strokeWidth={2} dot={false} isAnimationActive={false} />
      </ComposedChart>
    </ChartFigure>
  );
}

export interface TGoldBar {
  name: string;
  accuracy: number;
  checks: number;
  correct: number;
  /** Fewer checks than the minimum: the threshold does not apply yet. */
  early: boolean;
}

export function GoldAccuracyChart({ rows, threshold, minCount }: { rows: TGoldBar[]; threshold: number; minCount: number }) {
  const data = rows.map((r) => ({ ...r, percent: Math.round(r.accuracy * 1000) / 10 }));
  const below = rows.filter((r) => !r.early && r.accuracy < threshold).length;
  return (
    <ChartFigure
      title="Gold accuracy since the last lift, against the threshold"
      summary={`${rows.length} annotators with gold checks; threshold ${formatPercent(threshold)} after ${minCount} checks; ${below} under it.`}
      table={{
        caption: `Gold accuracy per annotator (threshold ${formatPercent(threshold)} after ${minCount} checks)`,
        head: ["Annotator", "Accuracy", "Correct / checks", "Threshold applies"],
        rows: rows.map((r) => [r.name, formatPercent(r.accuracy, 1), `${r.correct} / ${r.checks}`, r.early ? `not yet (${r.checks} of ${minCount})` : "yes"]),
      }}
      height={Math.max(170, 36 * data.length + 72)}
    >
      <BarChart data={data} layout="vertical" accessibilityLayer={false} margin={{ top: 24, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} />
        <YAxis type="category" dataKey="name" width={140} />
        <Tooltip formatter={(v) => `${v}%`} />
        <ReferenceLine x={Math.round(threshold * 1000) / 10} stroke={COLORS.below} strokeDasharray="4 4" label={{ value: "threshold", position: "top" }} />
        <Bar dataKey="percent" name="Gold accuracy" isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.name} fill={d.early ? COLORS.early : d.accuracy < threshold ? COLORS.below : COLORS.ok} />
          ))}
        </Bar>
      </BarChart>
    </ChartFigure>
  );
}

export function ReviewReasonChart({ counts }: { counts: { reason: string; pairs: number }[] }) {
  const data = counts.map((c) => ({ name: REASON_LABELS[c.reason] ?? c.reason, pairs: c.pairs }));
  return (
    <ChartFigure
      title="In review, by routing reason"
      summary={data.map((d) => `${d.name}: ${formatCount(d.pairs)}`).join("; ") + ". A pair routed for two reasons counts under both."}
      table={{ caption: "In-review pairs per routing reason", head: ["Reason", "Pairs"], rows: data.map((d) => [d.name, formatCount(d.pairs)]) }}
      height={180}
    >
      <BarChart data={data} layout="vertical" accessibilityLayer={false} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
        <YAxis type="category" dataKey="name" width={240} />
        <Tooltip formatter={(v) => formatCount(Number(v))} />
        <Bar dataKey="pairs" name="Pairs" fill={COLORS.inReview} isAnimationActive={false} />
      </BarChart>
    </ChartFigure>
  );
}
