import { parseArgs, ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

/** A command line as node's util.parseArgs reads it (strict), its mistakes as UsageError. */
export function parseCommandLine(argv: readonly string[], config: Omit<ParseArgsConfig, 'args' | 'strict'>): {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
} {
  try {
    return parseArgs({ ...config, args: [...argv], strict: true });
  } catch (e) {
    // node's messages name the argument, e.g. "Unknown option '--prot'".
    throw new UsageError((e as Error).message);
  }
}

/** `--account`: 12 digits. */
export function accountArgument(value: string | undefined): string | undefined {
  if (value !== undefined && !/^\d{12}$/.test(value)) {
    throw new UsageError(`--account must be 12 digits, got ${value}`);
  }
  return value;
}

/** A flag that takes a non-negative integer (`unit` names what it counts, in the message). */
export function countArgument(flag: string, value: string | undefined, unit?: string): number | undefined {
  const count = value === undefined ? undefined : Number(value);
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
    throw new UsageError(`--${flag} must be a non-negative integer${unit === undefined ? '' : ` of ${unit}`}, got ${value}`);
  }
  return count;
}
