"use client";

import { useId, useState } from "react";
import type { TAgreementCell } from "@/lib/quality/figures-types";
import { StatValue, formatPercent } from "./agreement-stat";

type TColumn = "variable" | "scope" | "pairableUnits" | "labels" | "percentAgreement" | "kappa" | "alpha";
type TSort = { column: TColumn; direction: "ascending" | "descending" } | null;
type TLevelFilter = "all" | "project" | "task" | "subtask";

const COLUMNS: { key: TColumn; label: string; numeric: boolean }[] = [
  { key: "variable", label: "Variable", numeric: false },
  { key: "scope", label: "Scope", numeric: false },
  { key: "pairableUnits", label: "Pairs compared", numeric: true },
  { key: "labels", label: "Labels", numeric: true },
  { key: "percentAgreement", label: "Percent agreement", numeric: true },
  { key: "kappa", label: "Fleiss' κ", numeric: true },
  { key: "alpha", label: "Krippendorff's α", numeric: true },
];

const GROUPS: { kind: TAgreementCell["kind"]; label: string; short: string }[] = [
  { kind: "decision", label: "Decision", short: "Decision" },
  { kind: "dimension", label: "Dimensions (any reason of the dimension chosen)", short: "Dimensions" },
  { kind: "reason", label: "Reject reasons (chosen or not, over every label)", short: "Reject reasons" },
];

const LEVEL_LABELS: Record<TLevelFilter, string> = {
  all: "Every scope",
  project: "Whole project",
  task: "Tasks",
  subtask: "Subtasks",
};

function compare(a: TAgreementCell, b: TAgreementCell, column: TColumn): number {
  const x = a[column];
  const y = b[column];
  // Undefined statistics sort after every number, whichever the direction.
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
}

/** Every variable × scope, grouped as decision, dimensions, reasons; headers sort within a group. */
export function AgreementTable({ cells }: { cells: TAgreementCell[] }) {
  const id = useId();
  const [sort, setSort] = useState<TSort>(null);
  const [level, setLevel] = useState<TLevelFilter>("all");
  const [group, setGroup] = useState<TAgreementCell["kind"] | "all">("all");
  const visible = level === "all" ? cells : cells.filter((c) => c.level === level);
  const groups = group === "all" ? GROUPS : GROUPS.filter((g) => g.kind === group);

  const order = (list: TAgreementCell[]) => {
    if (!sort) return list;
    const sign = sort.direction === "ascending" ? 1 : -1;
    return [...list].sort((a, b) => {
      const nullLast = a[sort.column] === null || b[sort.column] === null;
      return nullLast ? compare(a, b, sort.column) : sign * compare(a, b, sort.column);
    });
  };
  // Numbers start with the highest, text with A; a second press reverses, a third clears.
  const press = (column: TColumn) =>
    setSort((s) => {
      const first = COLUMNS.find((c) => c.key === column)!.numeric ? "descending" : "ascending";
      if (s?.column !== column) return { column, direction: first };
      if (s.direction === first) return { column, direction: first === "ascending" ? "descending" : "ascending" };
      return null;
    });

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-4 text-sm">
        <label>
          <span className="block text-neutral-600">Variables</span>
          <select
            value={group}
            onChange={(e) => setGroup(e.target.value as TAgreementCell["kind"] | "all")}
            className="rounded border border-neutral-300 px-2 py-1"
          >
            <option value="all">Every variable</option>
            {GROUPS.map((g) => (
              <option key={g.kind} value={g.kind}>
                {g.short}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="block text-neutral-600">Scopes</span>
          <select value={level} onChange={(e) => setLevel(e.target.value as TLevelFilter)} className="rounded border border-neutral-300 px-2 py-1">
            {(Object.keys(LEVEL_LABELS) as TLevelFilter[]).map((l) => (
              <option key={l} value={l}>
                {LEVEL_LABELS[l]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="overflow-x-auto rounded-lg border border-neutral-200" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
        <table className="w-full bg-white text-sm">
          <caption id={`${id}-caption`} className="p-2 text-left font-medium">
            Agreement on every variable and scope ({group === "all" ? "every variable" : GROUPS.find((g) => g.kind === group)!.short.toLowerCase()},{" "}
            {LEVEL_LABELS[level].toLowerCase()})
            {sort ? `, sorted by ${COLUMNS.find((c) => c.key === sort.column)!.label} ${sort.direction}` : ""}
          </caption>
          <thead className="bg-neutral-100 text-left">
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" aria-sort={sort?.column === c.key ? sort.direction : undefined} className="p-0">
                  <button
                    type="button"
                    onClick={() => press(c.key)}
                    className={`w-full p-2 text-left font-semibold hover:bg-neutral-200 ${c.numeric ? "text-right" : ""}`}
                  >
                    {c.label}
                    <span aria-hidden className="ml-1 text-neutral-500">
                      {sort?.column === c.key ? (sort.direction === "ascending" ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          {groups.map((g) => {
            const rows = order(visible.filter((c) => c.kind === g.kind));
            if (rows.length === 0) return null;
            return (
              <tbody key={g.kind}>
                <tr className="border-t border-neutral-300 bg-neutral-50">
                  <th scope="rowgroup" colSpan={COLUMNS.length} className="p-2 text-left font-semibold">
                    {g.label}
                  </th>
                </tr>
                {rows.map((c) => (
                  <tr key={c.id} className="border-t border-neutral-200">
                    <th scope="row" className="p-2 text-left font-normal">
                      {c.variable}
                    </th>
                    <td className={`p-2 ${c.level === "subtask" ? "pl-6" : ""} ${c.level === "project" ? "font-medium" : ""}`}>{c.scope}</td>
                    <td className="p-2 text-right tabular-nums">
                      {c.pairableUnits.toLocaleString("en")}
                      <span className="text-xs text-neutral-500"> / {c.units.toLocaleString("en")}</span>
                    </td>
                    <td className="p-2 text-right tabular-nums">{c.labels.toLocaleString("en")}</td>
                    <td className="p-2 text-right">
                      <StatValue value={c.percentAgreement} reason={c.percentAgreement === null ? "no-data" : null} format={formatPercent} />
                    </td>
                    <td className="p-2 text-right">
                      <StatValue value={c.kappa} reason={c.kappaReason} />
                    </td>
                    <td className="p-2 text-right">
                      <StatValue value={c.alpha} reason={c.alphaReason} />
                    </td>
                  </tr>
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
      <p className="text-xs text-neutral-600">Pairs compared: pairs with at least two labels / pairs with any label in that scope.</p>
    </div>
  );
}
