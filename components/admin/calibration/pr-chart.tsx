"use client";

import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { thinPoints, type TSweepPoint } from "@/lib/calibration/math";
import { ChartFigure } from "../quality/charts";
import { formatCount } from "../quality/format";
import { formatF1, formatRate, formatTarget, formatThreshold } from "./format";

const COLORS = { curve: "#4f46e5", target: "#dc2626", chosen: "#059669" };

/** Rows a screen reader gets under a real-valued score's curve; whole scores list every threshold. */
const TABLE_ROWS = 40;

const pct = (x: number) => Math.round(x * 1000) / 10;

/** A score's precision–recall curve, one point per threshold ("valid when score ≥ t"), with the same points as a table. */
export function PrecisionRecallChart({ label, short, integer, points, chosen, targetPercent, scored }: {
  label: string;
  short: string;
  integer: boolean;
  points: TSweepPoint[];
  chosen: TSweepPoint | null;
  targetPercent: number;
  scored: number;
}) {
  // Highest threshold first: recall grows left to right.
  const data = points
    .filter((p) => p.recall !== null)
    .map((p) => ({ threshold: p.threshold, recall: pct(p.recall!), precision: pct(p.precision) }))
    .reverse();
  const rows = thinPoints(points, TABLE_ROWS, [chosen]).reverse();
  const at = (p: TSweepPoint) => `${short} ≥ ${formatThreshold(p.threshold, integer)}`;
  const summary = chosen
    ? `${formatCount(scored)} pairs have the score. ${at(chosen)} reaches ${formatTarget(targetPercent)} precision (${formatRate(chosen.precision)}) with recall ${formatRate(chosen.recall)}.`
    : `${formatCount(scored)} pairs have the score. No threshold reaches ${formatTarget(targetPercent)} precision.`;
  return (
    <ChartFigure
      title={`${label}: precision against recall`}
      summary={summary}
      table={{
        caption: `Precision and recall of "${short} ≥ threshold" on ${label}`,
        head: ["Threshold", "Pairs kept", "Precision", "Recall", "F1"],
        rows: rows.map((p) => [at(p), formatCount(p.kept), formatRate(p.precision), formatRate(p.recall), formatF1(p.f1)]),
      }}
      height={260}
    >
      <LineChart data={data} accessibilityLayer={false} margin={{ top: 24, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="recall"
          domain={[0, 100]}
          tickFormatter={(v: number) => `${v}%`}
          label={{ value: "Recall", position: "insideBottom", offset: -8 }}
        />
        <YAxis type="number" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} width={48} label={{ value: "Precision", position: "top", offset: 12, textAnchor: "start" }} />
        <Tooltip
          formatter={(v, name) => [`${v}%`, name === "precision" ? "Precision" : String(name)]}
          labelFormatter={(_, payload) => {
            const p = payload?.[0]?.payload as { threshold: number; recall: number } | undefined;
            return p ? `${short} ≥ ${formatThreshold(p.threshold, integer)} · recall ${p.recall}%` : "";
          }}
        />
        <ReferenceLine y={targetPercent} stroke={COLORS.target} strokeDasharray="4 4" label={{ value: "target", position: "insideBottomLeft" }} />
        <Line
          type="linear"
          dataKey="precision"
          name="precision"
          stroke={COLORS.curve}
          strokeWidth={2}
          dot={data.length <= 30}
          isAnimationActive={false}
        />
        {chosen && chosen.recall !== null ? (
          <ReferenceDot x={pct(chosen.recall)} y={pct(chosen.precision)} r={6} fill={COLORS.chosen} stroke="white" />
        ) : null}
      </LineChart>
    </ChartFigure>
  );
}
