import { InvalidError } from "@/lib/errors";

/** A source file that cannot be read at all; the message names the file and reaches the admin as is. */
export class ImportFileError extends InvalidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function fileError(name: string, err: unknown): ImportFileError {
  if (err instanceof ImportFileError) return err;
  switch (errorCode(err)) {
    case "ENOENT":
      return new ImportFileError(`File "${name}" was not found.`, { cause: err });
    case "EISDIR":
      return new ImportFileError(`"${name}" is a folder, not a file.`, { cause: err });
    case "EACCES":
    case "EPERM":
      return new ImportFileError(`File "${name}" cannot be read: permission denied.`, { cause: err });
    default:
      return new ImportFileError(`File "${name}" cannot be read: ${errorMessage(err)}`, { cause: err });
  }
}
