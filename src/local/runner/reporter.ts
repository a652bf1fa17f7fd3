/**
 * Deploy-style output: one line per resource and status. Free text (failure reasons, outputs) is
 * scrubbed of every secret registered (sensitive property values, ResponseURLs) before printing.
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

/** Secrets shorter than this are not scrubbed (they would mangle ordinary words). */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

export class Reporter {
  public readonly events: ResourceEventRecord[] = [];
  private readonly secrets = new Set<string>();

  constructor(private readonly write: (line: string) => void) {}

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
    this.write(`${event.stackName} | ${event.logicalId} (${event.resourceType}) ${event.status}${suffix}`);
    return record;
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
