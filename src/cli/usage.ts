/** A mistake in how the command was called (exit status 2), as opposed to bad input files. */
export class UsageError extends Error {}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}".`);
  return n;
}
