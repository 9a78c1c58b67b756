/** `source.path` for the import root itself (the schema wants a non-empty path). */
export const ROOT_PATH = ".";

export function parentDir(dir: string): string {
  const parts = dir.split("/").filter((p) => p !== "" && p !== ".");
  parts.pop();
  return parts.join("/");
}
