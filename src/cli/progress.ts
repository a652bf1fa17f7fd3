import { CommandIo, TerminalStream } from './io';

/**
 * A long command's progress: its plain lines, and on an interactive terminal one live status line
 * below them, rewritten in place. The lines read exactly as they do without a terminal: the live
 * line is erased before each of them (and redrawn after it) and at the end.
 */
export interface ProgressOutput {
  /** One normal line. */
  readonly line: (text: string) => void;
  /** The work in progress (undefined: none). Absent when nothing is rendered live. */
  readonly status?: (text: string | undefined) => void;
  /** Erases the live line: call it before anything else writes to the stream. */
  readonly end: () => void;
}

/** Back to the start of the line, and erase all of it. */
export const ERASE_LINE = '\r\x1b[2K';

/** Progress on `stream`: live on an interactive terminal the environment does not turn it off for, plain otherwise. */
export function progressOutput(io: CommandIo, stream: 'out' | 'err'): ProgressOutput {
  const terminal = liveTerminalOf(io, stream);
  return terminal ? new LiveStatusLine(terminal) : { line: io[stream], end: () => undefined };
}

/**
 * The terminal to draw on, unless the environment asks for plain output: NO_COLOR (any value,
 * no-color.org), TERM=dumb (no cursor control), or CI (whose logs keep every byte written).
 */
export function liveTerminalOf(io: CommandIo, stream: 'out' | 'err'): TerminalStream | undefined {
  const { NO_COLOR, TERM, CI } = io.env;
  if (NO_COLOR || TERM === 'dumb' || (CI !== undefined && !['', '0', 'false'].includes(CI.toLowerCase()))) {
    return undefined;
  }
  return io.terminal?.(stream);
}

export class LiveStatusLine implements ProgressOutput {
  /** What the live line shows now; the cursor is at its end. */
  private shown?: string;

  constructor(private readonly terminal: TerminalStream) {}

  public readonly line = (text: string): void => {
    this.terminal.write(`${this.erase()}${text}\n${this.shown ?? ''}`);
  };

  public readonly status = (text: string | undefined): void => {
    const next = text ? this.fit(text) : undefined;
    if (next === this.shown) {
      return;
    }
    const chunk = `${this.erase()}${next ?? ''}`;
    this.shown = next;
    if (chunk !== '') {
      this.terminal.write(chunk);
    }
  };

  public readonly end = (): void => this.status(undefined);

  private erase(): string {
    return this.shown === undefined ? '' : ERASE_LINE;
  }

  /**
   * One physical line, without control characters: a line that wrapped, or held a newline, could
   * no longer be erased with a carriage return.
   */
  private fit(text: string): string {
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
    const columns = this.terminal.columns();
    return columns !== undefined && columns > 1 && plain.length >= columns ? plain.slice(0, columns - 1) : plain;
  }
}
