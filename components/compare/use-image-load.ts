"use client";

import { useCallback, useState } from "react";
import { keepStatuses, neededImages, summarizeLoad, withStatus, type TImageStatus, type TStatusMap } from "./load-status";

/** Whether the images on screen have loaded, kept per src so a pair's images keep their status. */
export function useImageLoad(sourceSrc: string, editedSrc: string, heatmapSrc: string | null, showingHeatmap: boolean) {
  const [statuses, setStatuses] = useState<TStatusMap>({});

  // A new set of images drops the statuses of the old ones (state adjusted while rendering).
  const key = `${sourceSrc}\n${editedSrc}\n${heatmapSrc ?? ""}`;
  const [prevKey, setPrevKey] = useState(key);
  if (prevKey !== key) {
    setPrevKey(key);
    setStatuses((prev) => keepStatuses(prev, [sourceSrc, editedSrc, heatmapSrc]));
  }

  const [reasons, setReasons] = useState<Record<string, string>>({});
  const onStatus = useCallback((src: string, status: TImageStatus) => {
    setStatuses((prev) => withStatus(prev, src, status));
    // An <img> cannot read an error answer: ask once more for the reason (a vanished bucket object names its key).
    if (status === "error") {
      void fetch(src, { cache: "no-store", redirect: "manual" })
        .then(async (r) => (r.status === 404 ? ((await r.json()) as { error?: { message?: string } }).error?.message : undefined))
        .then((message) => {
          if (message) setReasons((prev) => ({ ...prev, [src]: message }));
        })
        .catch(() => {});
    }
  }, []);

  return { load: summarizeLoad(neededImages(sourceSrc, editedSrc, heatmapSrc, showingHeatmap), statuses, reasons), onStatus };
}
