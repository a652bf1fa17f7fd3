/** A mistake in the command line itself: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** A problem the user can fix (a missing assembly, no endpoint): one line, exit code 1. */
export class CommandError extends Error {}

/** Exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
