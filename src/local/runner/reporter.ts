/**
 * Deploy-style output: one line per resource and status, and optionally the state of the work in
 * progress for a live status display. Free text (failure reasons, outputs, the status) is scrubbed
 * of every secret registered (sensitive property values, ResponseURLs) before it leaves.
 */

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED'
  | 'DELETE_IN_PROGRESS' | 'DELETE_COMPLETE' | 'DELETE_FAILED' | 'DELETE_SKIPPED';

/** One resource status change, as printed. */
export interface ResourceEventRecord {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: ResourceStatus;
  /** Failure reason or detail (scrubbed). */
  readonly reason?: string;
  readonly physicalResourceId?: string;
  readonly simulated: boolean;
}

/**
 * Receives the work in progress as one line of text (a resource in progress, a request being waited
 * for), or undefined once nothing is. It only mirrors the lines: they are complete without it.
 */
export type StatusSink = (text: string | undefined) => void;

/** Secrets shorter than this are not scrubbed (they would mangle ordinary words). */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

export class Reporter {
  public readonly events: ResourceEventRecord[] = [];
  private readonly secrets = new Set<string>();
  private lastStatus?: string;

  constructor(private readonly write: (line: string) => void, private readonly statusSink?: StatusSink) {}

  public addSecrets(values: Iterable<string>): void {
    for (const v of values) {
      if (v.length >= MIN_SECRET_LENGTH) {
        this.secrets.add(v);
      }
    }
  }

  public scrub(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    return out;
  }

  public resource(event: Omit<ResourceEventRecord, 'reason'> & { reason?: string }): ResourceEventRecord {
    const record = { ...event, reason: event.reason === undefined ? undefined : this.scrub(event.reason) };
    this.events.push(record);
    const suffix = [
      record.simulated ? ' (simulated)' : '',
      record.reason ? `: ${record.reason}` : '',
    ].join('');
    const inProgress = event.status.endsWith('_IN_PROGRESS');
    if (!inProgress) {
      // Before the line, so a live display need not redraw a state that is over.
      this.status(undefined);
    }
    this.write(`${event.stackName} | ${event.logicalId} (${event.resourceType}) ${event.status}${suffix}`);
    if (inProgress) {
      this.status(`${event.stackName} | ${event.logicalId} ${event.status}`);
    }
    return record;
  }

  /**
   * A request still being waited for: a status only, no line. `step` says where the wait is: the
   * `poll N` of isComplete (Provider framework), or the `invocation N` of the function that answers
   * CloudFormation itself.
   */
  public waiting(stackName: string, logicalId: string, state: string, step: string, elapsedMs: number): void {
    this.status(`waiting: ${stackName} | ${logicalId} ${state}, ${Math.floor(elapsedMs / 1000)} s (${step})`);
  }

  /** The sink hears of changes only. Ids and states only reach here; they are scrubbed all the same, like every line. */
  public status(text: string | undefined): void {
    const scrubbed = text === undefined ? undefined : this.scrub(text);
    if (scrubbed !== this.lastStatus) {
      this.lastStatus = scrubbed;
      this.statusSink?.(scrubbed);
    }
  }

  public progress(stackName: string, logicalId: string, resourceType: string, text: string): void {
    this.write(`${stackName} | ${logicalId} (${resourceType}) ${this.scrub(text)}`);
  }

  public stack(stackName: string, text: string): void {
    this.write(`${stackName}: ${this.scrub(text)}`);
  }

  public line(text: string): void {
    this.write(this.scrub(text));
  }
}
