/**
 * Thrown by {@link SqliteStore.open} when the database cannot be used. The message is one
 * short sentence naming the file and the cause, fit to show an operator as is, e.g.
 * "Cannot open the database /data/parley.db: file is not a database".
 */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  readonly path: string;

  constructor(path: string, cause: string, options?: { cause?: unknown }) {
    super(`Cannot open the database ${path}: ${cause}`, options);
    this.path = path;
  }
}

/** Short human words for a failed filesystem or SQLite call (no stack, no error code soup). */
export function describeOpenFailure(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, message } = error as { code?: unknown; message?: unknown };
  switch (code) {
    case 'ENOTDIR':
      return 'a part of its directory path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return typeof message === 'string' && message !== '' ? message : String(error);
  }
}
