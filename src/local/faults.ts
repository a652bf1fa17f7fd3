import { CodeStarOperation } from './model';

/* eslint-disable no-bitwise */
/** mulberry32: a small seedable PRNG, so probabilistic faults are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/**
 * - `throttling`: 400 ThrottlingException
 * - `internalFailure`: 500 InternalFailure
 * - `concurrentModification`: 500 ConcurrentModificationException (modelled)
 * - `error`: any error by name (`errorName`), status from the model (e.g. LimitExceededException)
 * - `latency`: answers normally after `latencyMs`
 * - `hang`: never answers (the connection stays open until the client gives up or the server closes)
 * - `lostResponse`: the call is applied to the store exactly as normal (its effects stay), then the
 *   answer is never delivered: the connection is destroyed, and the client sees a network error
 *   (ECONNRESET / socket hang up). What a client meets when a response is lost in transit or its
 *   Lambda is frozen mid-call: the next attempt must recognise what the first one did.
 */
export type FaultKind = 'throttling' | 'internalFailure' | 'concurrentModification' | 'error' | 'latency' | 'hang' | 'lostResponse';

export interface FaultSpec {
  readonly kind: FaultKind;
  /** Operations the fault applies to. @default all */
  readonly operations?: readonly CodeStarOperation[];
  /** How many times it fires, then it is spent. @default unlimited */
  readonly times?: number;
  /** Let this many matching calls through before it starts firing. @default 0 */
  readonly skip?: number;
  /** Chance (0..1) that a matching call is hit, drawn from the endpoint's seeded RNG. @default 1 */
  readonly probability?: number;
  /** For `latency`. @default 100 */
  readonly latencyMs?: number;
  /** For `error`: the error name. */
  readonly errorName?: string;
  /** Error message. @default a generic one per kind */
  readonly message?: string;
}

/** What the endpoint must do with one call. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly error?: { readonly name: string; readonly message: string; readonly kind: FaultKind };
  readonly hang?: boolean;
  /** Apply the call, then destroy the connection instead of answering. */
  readonly lostResponse?: boolean;
}

export interface FaultHandle {
  /** How many times this fault has fired. */
  readonly fired: number;
  remove(): void;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  matched: number;
  fired: number;
}

const ERROR_OF: Partial<Record<FaultKind, { name: string; message: string }>> = {
  throttling: { name: 'ThrottlingException', message: 'Rate exceeded' },
  internalFailure: { name: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' },
  concurrentModification: { name: 'ConcurrentModificationException', message: 'Another modification is being made. That modification must complete before you can make your change.' },
};

/**
 * Faults set by the caller, evaluated in the order added for each call before it is validated:
 * latencies add up; the first error, hang or lost response that fires wins and later ones are not consulted.
 */
export class FaultInjector {
  private readonly active: ActiveFault[] = [];
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  public add(spec: FaultSpec): FaultHandle {
    if (spec.kind === 'error' && !spec.errorName) {
      throw new Error('fault kind "error" needs an errorName');
    }
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1)) {
      throw new Error(`fault probability must be within 0..1, got ${spec.probability}`);
    }
    const fault: ActiveFault = { spec, matched: 0, fired: 0 };
    this.active.push(fault);
    return {
      get fired() { return fault.fired; },
      remove: () => {
        const i = this.active.indexOf(fault);
        if (i >= 0) {
          this.active.splice(i, 1);
        }
      },
    };
  }

  public throttle(options: Omit<FaultSpec, 'kind'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'throttling' });
  }

  public internalFailure(options: Omit<FaultSpec, 'kind'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'internalFailure' });
  }

  public concurrentModification(options: Omit<FaultSpec, 'kind'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'concurrentModification' });
  }

  public latency(latencyMs: number, options: Omit<FaultSpec, 'kind' | 'latencyMs'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'latency', latencyMs });
  }

  public hang(options: Omit<FaultSpec, 'kind'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'hang' });
  }

  /** The call takes effect, but its answer is lost (the connection is reset). */
  public lostResponse(options: Omit<FaultSpec, 'kind'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'lostResponse' });
  }

  public error(errorName: string, options: Omit<FaultSpec, 'kind' | 'errorName'> = {}): FaultHandle {
    return this.add({ ...options, kind: 'error', errorName });
  }

  /** Removes every fault and reseeds the RNG. */
  public clear(): void {
    this.active.length = 0;
    this.random = seededRandom(this.seed);
  }

  public decide(operation: CodeStarOperation): FaultDecision {
    let latencyMs = 0;
    for (const fault of [...this.active]) {
      const { spec } = fault;
      if (spec.operations && !spec.operations.includes(operation)) {
        continue;
      }
      if (spec.times !== undefined && fault.fired >= spec.times) {
        continue;
      }
      fault.matched++;
      if (fault.matched <= (spec.skip ?? 0)) {
        continue;
      }
      if (spec.probability !== undefined && spec.probability < 1 && this.random() >= spec.probability) {
        continue;
      }
      fault.fired++;
      if (spec.kind === 'latency') {
        latencyMs += spec.latencyMs ?? 100;
        continue;
      }
      if (spec.kind === 'hang') {
        return { latencyMs, hang: true };
      }
      if (spec.kind === 'lostResponse') {
        return { latencyMs, lostResponse: true };
      }
      const known = ERROR_OF[spec.kind];
      const name = known?.name ?? spec.errorName!;
      return { latencyMs, error: { name, message: spec.message ?? known?.message ?? `Injected ${name}`, kind: spec.kind } };
    }
    return { latencyMs };
  }
}
