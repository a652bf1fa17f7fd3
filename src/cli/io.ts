/** Where a command writes: lines to stdout (results) and stderr (progress and errors). */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The process environment the command reads its settings from. */
  readonly env: NodeJS.ProcessEnv;
  /** The working directory relative paths resolve from. */
  readonly cwd: string;
  /**
   * stdout or stderr as an interactive terminal (a TTY), when it is one; undefined for pipes and
   * files. Absent: neither is (as in tests that capture the lines).
   */
  readonly terminal?: (stream: 'out' | 'err') => TerminalStream | undefined;
}

/** An interactive terminal a command may draw on. */
export interface TerminalStream {
  /** Writes as is: no newline added. */
  readonly write: (chunk: string) => void;
  /** Its width in characters, when known (asked each time: the window may have been resized). */
  readonly columns: () => number | undefined;
}

export function processIo(): CommandIo {
  return {
    out: line => process.stdout.write(`${line}\n`),
    err: line => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    terminal: name => {
      const stream = name === 'out' ? process.stdout : process.stderr;
      return stream.isTTY ? { write: chunk => stream.write(chunk), columns: () => stream.columns } : undefined;
    },
  };
}
