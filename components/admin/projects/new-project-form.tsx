"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, type FormEvent } from "react";
import { createProject, importPagePath } from "./api";

const OVERLAPS = [1, 2, 3, 4, 5];

export function NewProjectForm() {
  const router = useRouter();
  const id = useId();
  const create = useMutation({
    mutationFn: createProject,
    onSuccess: () => router.refresh(),
  });

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const guidelines = String(data.get("guidelines") ?? "").trim();
    create.mutate(
      {
        name: String(data.get("name") ?? ""),
        overlap: Number(data.get("overlap") ?? 1),
        ...(guidelines ? { guidelines } : {}),
      },
      { onSuccess: () => form.reset() },
    );
  };

  return (
    <form onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="grid gap-3 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-4">
      <h3 id={`${id}-title`} className="font-medium sm:col-span-4">New project</h3>
      <label className="text-sm sm:col-span-3">
        Name
        <input name="name" required maxLength={120} autoComplete="off" className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
      </label>
      <label className="text-sm">
        Overlap (annotators per pair)
        <select name="overlap" defaultValue="1" className="mt-1 w-full rounded border border-neutral-300 px-2 py-1">
          {OVERLAPS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </select>
      </label>
      <label className="text-sm sm:col-span-4">
        Guidelines <span className="text-neutral-500">(optional, shown to annotators)</span>
        <textarea name="guidelines" rows={3} maxLength={20_000} className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
      </label>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-4">
        <button type="submit" disabled={create.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
          {create.isPending ? "Creating…" : "Create project"}
        </button>
        <div role="status" className="text-sm text-emerald-700">
          {create.isSuccess ? (
            <>
              Project “{create.data.name}” created.{" "}
              <Link href={importPagePath(create.data.id)} className="text-indigo-700 underline">
                Import into {create.data.name}
              </Link>
            </>
          ) : null}
        </div>
        <div role="alert" className="text-sm text-red-700">
          {create.isError ? create.error.message : null}
        </div>
      </div>
    </form>
  );
}
