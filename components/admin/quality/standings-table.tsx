import type { TStanding } from "@/lib/quality/standings-types";
import { formatCount, formatPercent, formatRate, formatSeconds } from "./format";
import { LocalTime } from "./local-time";
import { PauseButton } from "./pause-button";

function GoldCell({ s, threshold }: { s: TStanding; threshold: number }) {
  if (s.goldChecks === 0) return <span className="text-neutral-500">no checks{s.checksToGo > 0 ? ` (rule after ${s.checksToGo})` : ""}</span>;
  const under = s.goldAccuracy !== null && s.goldAccuracy < threshold;
  return (
    <span>
      <span className={under && s.checksToGo === 0 ? "font-medium text-red-700" : undefined}>{formatPercent(s.goldAccuracy)}</span>{" "}
      <span className="text-neutral-600">
        ({s.goldCorrect}/{s.goldChecks})
      </span>
      {s.checksToGo > 0 ? <span className="block text-xs text-neutral-500">rule applies after {s.checksToGo} more</span> : null}
    </span>
  );
}

function StatusCell({ s }: { s: TStanding }) {
  if (s.pause) {
    return (
      <span className="text-amber-800">
        Paused {s.pause.byRule ? "by the gold rule" : "by an admin"}
        <span className="block text-xs">
          <LocalTime iso={s.pause.pausedAt.toISOString()} />
        </span>
      </span>
    );
  }
  if (s.ruleApplies) return <span className="text-red-700">Under the threshold</span>;
  return (
    <span>
      Active
      {s.lastLift ? (
        <span className="block text-xs text-neutral-500">
          lifted <LocalTime iso={s.lastLift.liftedAt.toISOString()} />
          {s.lastLift.liftedBy ? ` by ${s.lastLift.liftedBy}` : ""}
        </span>
      ) : null}
    </span>
  );
}

export function StandingsTable({ projectId, standings, threshold, canManage }: {
  projectId: number;
  standings: TStanding[];
  threshold: number;
  canManage: boolean;
}) {
  if (standings.length === 0) return <p className="text-sm text-neutral-600">Nobody has labelled in this project yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full bg-white text-sm">
        <caption className="sr-only">Annotator standings: gold accuracy, agreement with consensus, speed and pause state</caption>
        <thead className="bg-neutral-100 text-left align-bottom">
          <tr>
            <th scope="col" className="p-2">Annotator</th>
            <th scope="col" className="p-2 text-right">Labels</th>
            <th scope="col" className="p-2">Gold accuracy since last lift</th>
            <th scope="col" className="p-2">Gold, all time</th>
            <th scope="col" className="p-2">Agreement with consensus</th>
            <th scope="col" className="p-2 text-right">Median time per pair</th>
            <th scope="col" className="p-2 text-right">Labels per hour</th>
            <th scope="col" className="p-2">Status</th>
            {canManage ? <th scope="col" className="p-2"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {standings.map((s) => (
            <tr key={s.userId} className="border-t border-neutral-200 align-top">
              <th scope="row" className="p-2 text-left font-normal">
                <span className="font-medium">{s.name}</span>
                <span className="block text-xs text-neutral-600">{s.email}</span>
              </th>
              <td className="p-2 text-right tabular-nums">{formatCount(s.labels)}</td>
              <td className="p-2 tabular-nums"><GoldCell s={s} threshold={threshold} /></td>
              <td className="p-2 tabular-nums">
                {s.lifetimeGoldChecks ? `${formatPercent(s.lifetimeGoldCorrect / s.lifetimeGoldChecks)} (${s.lifetimeGoldCorrect}/${s.lifetimeGoldChecks})` : "—"}
              </td>
              <td className="p-2 tabular-nums">
                {s.agreement === null ? "—" : `${formatPercent(s.agreement)} of ${formatCount(s.finalLabels)}`}
              </td>
              <td className="p-2 text-right tabular-nums">{formatSeconds(s.medianSeconds)}</td>
              <td className="p-2 text-right tabular-nums">{formatRate(s.labelsPerHour)}</td>
              <td className="p-2"><StatusCell s={s} /></td>
              {canManage ? (
                <td className="p-2">{s.pause ? null : <PauseButton projectId={projectId} userId={s.userId} name={s.name} />}</td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-neutral-600">
        Agreement counts their labels on final, non-gold pairs that match the final decision. Median time is over their last 1,000
        labels here; labels per hour divides the last 30 days&apos; labels by the clock hours they labelled in.
      </p>
    </div>
  );
}
