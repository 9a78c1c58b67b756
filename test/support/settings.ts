// Settings saves in database tests: the save, then its background recompute run to the end in the test
// (as the pg-boss job would), with the recompute's counts where the save used to return them.
import type { Db } from "@/lib/db/connect";
import { updateProjectSettings as save } from "@/lib/quality/settings";
import { getSettingsRecompute, runSettingsRecompute } from "@/lib/quality/recompute";
import type { TSettingsPatch, TSettingsResult } from "@/lib/quality/settings-schema";

export async function updateProjectSettings(
  db: Db,
  projectId: number,
  actorId: number | null,
  patch: TSettingsPatch,
): Promise<TSettingsResult & { pairsUpdated: number | null; queueKeysUpdated: number | null }> {
  const result = await save(db, projectId, actorId, patch, { enqueue: false });
  if (!result.recompute) return { ...result, pairsUpdated: null, queueKeysUpdated: null };
  await runSettingsRecompute(db, projectId);
  const done = await getSettingsRecompute(db, projectId);
  return {
    ...result,
    pairsUpdated: result.changed.includes("overlap") ? done!.overlapPairsChanged : null,
    queueKeysUpdated: result.changed.some((k) => k === "verifierScales" || k === "verifierRule" || k === "verifierVersion") ? done!.keysPairsChanged : null,
  };
}
