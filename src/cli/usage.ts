import { parseDevice } from '../runtime/session';
import type { DeviceChoice } from '../runtime/session';

/** A mistake in how the command was called (exit status 2), as opposed to bad input files. */
export class UsageError extends Error {}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}".`);
  return n;
}

/** `-h` or `--help` among a command's arguments (before a `--`, after which everything is an operand). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** `--device D`: a bad value is a usage error (exit 2), like every other bad option value. */
export function deviceOption(value: string | undefined): DeviceChoice | undefined {
  if (!value) return undefined;
  try {
    return parseDevice(value, '--device');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
