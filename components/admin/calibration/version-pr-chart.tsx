"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { thinPoints, type TSweepPoint } from "@/lib/calibration/math";
import { versionLabel } from "@/lib/calibration/versions-report";
import { ChartFigure } from "../quality/charts";
import { formatF1, formatRate, formatTarget, formatThreshold } from "./format";

// Distinct in hue and in dash, so the curves stay apart for people who do not tell the colours apart.
const STYLES = [
  { stroke: "#4f46e5", dash: undefined },
  { stroke: "#d97706", dash: "6 3" },
  { stroke: "#059669", dash: "2 3" },
  { stroke: "#db2777", dash: "8 3 2 3" },
  { stroke: "#0891b2", dash: "4 4" },
  { stroke: "#57534e", dash: "1 2" },
];
const TABLE_ROWS = 20;
const pct = (x: number) => Math.round(x * 1000) / 10;

/** One declared score's precision–recall curves, one per verifier version, overlaid; the same points as tables. */
export function VersionPrChart({ label, short, integer, lowerIsBetter, curves, targetPercent }: {
  label: string;
  short: string;
  integer: boolean;
  lowerIsBetter: boolean;
  curves: { version: string; points: TSweepPoint[]; chosen: TSweepPoint | null }[];
  targetPercent: number;
}) {
  const op = lowerIsBetter ? "≤" : "≥";
  const summary = curves
    .map((c) => `${versionLabel(c.version)}: ${c.chosen ? `${short} ${op} ${formatThreshold(c.chosen.threshold, integer)} reaches ${formatRate(c.chosen.precision)} precision at ${formatRate(c.chosen.recall)} recall` : `no threshold reaches ${formatTarget(targetPercent)}`}`)
    .join("; ");
  return (
    <ChartFigure
      title={`${label}: precision against recall by version`}
      summary={`${summary}.`}
      table={{
        caption: `Precision and recall of "${short} ${op} threshold" on ${label}, by version`,
        head: ["Version and threshold", "Pairs kept", "Precision", "Recall", "F1"],
        rows: curves.flatMap((c) =>
          thinPoints(c.points, TABLE_ROWS, [c.chosen]).map((p) => [
            `${versionLabel(c.version)}: ${short} ${op} ${formatThreshold(p.threshold, integer)}`,
            p.kept, formatRate(p.precision), formatRate(p.recall), formatF1(p.f1),
          ])),
      }}
      height={280}
    >
      <LineChart accessibilityLayer={false} margin={{ top: 24, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" dataKey="recall" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`}
          label={{ value: "Recall", position: "insideBottom", offset: -8 }} />
        <YAxis type="number" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} width={48}
          label={{ value: "Precision", position: "top", offset: 12, textAnchor: "start" }} />
        <Tooltip formatter={(v, name) => [`${v}%`, String(name)]} />
        <Legend verticalAlign="top" />
        <ReferenceLine y={targetPercent} stroke="#dc2626" strokeDasharray="4 4" />
        {curves.map((c, i) => {
          const style = STYLES[i % STYLES.length]!;
          // Highest threshold first: recall grows left to right.
          const data = thinPoints(c.points, 300, [c.chosen]).filter((p) => p.recall !== null)
            .map((p) => ({ recall: pct(p.recall!), precision: pct(p.precision) })).reverse();
          return (
            <Line key={c.version} data={data} type="linear" dataKey="precision" name={versionLabel(c.version)}
              stroke={style.stroke} strokeDasharray={style.dash} strokeWidth={2} dot={data.length <= 30} isAnimationActive={false} />
          );
        })}
      </LineChart>
    </ChartFigure>
  );
}
