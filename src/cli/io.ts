/** Where a command writes: lines to stdout (results) and stderr (progress and errors). */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The process environment the command reads its settings from. */
  readonly env: NodeJS.ProcessEnv;
  /** The working directory relative paths resolve from. */
  readonly cwd: string;
}

export function processIo(): CommandIo {
  return {
    out: line => process.stdout.write(`${line}\n`),
    err: line => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}
