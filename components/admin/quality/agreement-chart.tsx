"use client";

import { useId, useState } from "react";
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TAgreementCell } from "@/lib/quality/figures-types";
import { StatValue, formatCoefficient } from "./agreement-stat";

type TMetric = "alpha" | "kappa";
const METRIC_LABELS: Record<TMetric, string> = { alpha: "Krippendorff's α", kappa: "Fleiss' κ" };
const TASK_COLOR = "#4338ca"; // indigo-700
const SUBTASK_COLOR = "#a5b4fc"; // indigo-300

/** The value at the end of a bar; drawn by hand because recharts skips labels of zero-width bars (α = 0). */
function BarValue(props: { x?: number | string; y?: number | string; width?: number | string; height?: number | string; value?: unknown }) {
  if (typeof props.value !== "number") return null;
  const [a, b] = [Number(props.x), Number(props.x) + Number(props.width)];
  // Past the bar's outer end: right of a positive bar, left of a negative one.
  const negative = props.value < 0;
  return (
    <text
      x={negative ? Math.min(a, b) - 4 : Math.max(a, b) + 4}
      y={Number(props.y) + Number(props.height) / 2}
      dy={4}
      fontSize={12}
      fill="#312e81"
      textAnchor={negative ? "end" : "start"}
    >
      {formatCoefficient(props.value)}
    </text>
  );
}

/** α (or κ) per task and subtask as horizontal bars; the SVG is aria-hidden, a visually hidden table has the numbers. */
export function AgreementChart({ cells }: { cells: TAgreementCell[] }) {
  const id = useId();
  const variables = [...new Map(cells.filter((c) => c.kind !== "reason").map((c) => [c.variableKey, c.variable])).entries()];
  const [variable, setVariable] = useState("decision");
  const [metric, setMetric] = useState<TMetric>("alpha");
  const shown = cells.filter((c) => c.variableKey === variable && c.kind !== "reason" && c.level !== "project");
  const label = variables.find(([key]) => key === variable)?.[1] ?? variable;
  const caption = `${METRIC_LABELS[metric]} on ${label === "Decision" ? "the decision" : label} per task and subtask`;
  const data = shown.map((c) => ({ name: c.scope, level: c.level, value: c[metric] }));
  const undefinedScopes = shown.filter((c) => c[metric] === null);
  // The axis runs to 1 (perfect) and down to 0, or below it in steps of 0.2 when a scope does worse than chance.
  const lowest = Math.floor(Math.min(0, ...shown.map((c) => c[metric] ?? 0)) * 5) / 5;
  const ticks = Array.from({ length: Math.round((1 - lowest) * 5) + 1 }, (_, i) => Math.round((lowest + i / 5) * 10) / 10);

  if (shown.length === 0) {
    return <p className="text-sm text-neutral-600">No pair with a task has labels yet, so there is nothing to compare by task.</p>;
  }
  return (
    <figure aria-labelledby={`${id}-caption`} className="space-y-3">
      <div className="flex flex-wrap items-end gap-4">
        <label className="text-sm">
          <span className="block text-neutral-600">Variable</span>
          <select value={variable} onChange={(e) => setVariable(e.target.value)} className="rounded border border-neutral-300 px-2 py-1">
            {variables.map(([key, name]) => (
              <option key={key} value={key}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="text-sm">
          <legend className="text-neutral-600">Statistic</legend>
          <div className="flex gap-3">
            {(["alpha", "kappa"] as const).map((m) => (
              <label key={m} className="flex items-center gap-1">
                <input type="radio" name={`${id}-metric`} value={m} checked={metric === m} onChange={() => setMetric(m)} />
                {METRIC_LABELS[m]}
              </label>
            ))}
          </div>
        </fieldset>
        <p className="flex items-center gap-3 text-xs text-neutral-600" aria-hidden>
          <span className="flex items-center gap-1"><span className="inline-block h-3 w-3" style={{ background: TASK_COLOR }} /> task</span>
          <span className="flex items-center gap-1"><span className="inline-block h-3 w-3" style={{ background: SUBTASK_COLOR }} /> subtask</span>
        </p>
      </div>
      <figcaption id={`${id}-caption`} className="text-sm font-medium">
        {caption}
      </figcaption>
      <div aria-hidden className="rounded-lg border border-neutral-200 bg-white p-2">
        <ResponsiveContainer width="100%" height={40 + 30 * data.length}>
          <BarChart data={data} layout="vertical" margin={{ left: 8, right: 56, top: 8, bottom: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" domain={[lowest, 1]} ticks={ticks} tickFormatter={(v: number) => v.toFixed(1)} />
            <YAxis type="category" dataKey="name" width={300} tick={{ fontSize: 12 }} interval={0} />
            <ReferenceLine x={0} stroke="#525252" />
            <Tooltip formatter={(v) => (typeof v === "number" ? formatCoefficient(v) : "n/a")} />
            <Bar dataKey="value" name={METRIC_LABELS[metric]} isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.name} fill={d.level === "task" ? TASK_COLOR : SUBTASK_COLOR} />
              ))}
              <LabelList dataKey="value" content={BarValue} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      {undefinedScopes.length > 0 ? (
        <p className="text-xs text-neutral-600" aria-hidden>
          No bar (undefined): {undefinedScopes.map((c) => c.scope).join(", ")}.
        </p>
      ) : null}
      <table className="sr-only">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Scope</th>
            <th scope="col">{METRIC_LABELS[metric]}</th>
            <th scope="col">Pairs compared</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.level === "subtask" ? `Subtask ${c.scope}` : `Task ${c.scope}`}</th>
              <td>
                <StatValue value={c[metric]} reason={metric === "alpha" ? c.alphaReason : c.kappaReason} />
              </td>
              <td>{c.pairableUnits}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
