import type { TClaimedPair } from "./api";

export function PairInstruction({ pair }: { pair: TClaimedPair }) {
  return (
    <div className="rounded-lg border border-neutral-200 bg-white p-3">
      <div className="flex flex-wrap gap-2 text-xs">
        {pair.task ? <span className="rounded bg-indigo-50 px-2 py-0.5 text-indigo-800">task: {pair.task}</span> : null}
        {pair.subtask ? <span className="rounded bg-emerald-50 px-2 py-0.5 text-emerald-800">subtask: {pair.subtask}</span> : null}
      </div>
      <p className="mt-1 text-lg leading-snug" data-testid="instruction">
        <span className="sr-only">Instruction: </span>
        {pair.instruction}
      </p>
      {pair.instructionCn ? <p className="mt-1 text-neutral-600" lang="zh">{pair.instructionCn}</p> : null}
    </div>
  );
}
