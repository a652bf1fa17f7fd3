/**
 * Section 1: synthesis cost and scale. Every synthesis runs in its own child process (as `cdk synth`
 * runs an app once per process); the variants are interleaved round by round, so that a busy
 * machine slows them alike and the per-round ratios stay meaningful.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AppKind, Variant, VARIANTS } from './apps';
import { progress, ROOT, Summary, summarize, timedSpawn } from './stats';
import type { ScannedField, ScanResult, ScanRow, SynthJob, SynthMeasurement, TemplateMeasurement } from './synth-child';

export const SIZES = [1, 10, 100, 400] as const;
/** The members-only app's sizes (N members and N profiles on one imported project). */
export const MEMBERS_ONLY_SIZES = [1, 10, 100] as const;

/**
 * CloudFormation and IAM limits a stack runs into as it grows, and the measured quantity each one
 * bounds. `blocking`: exceeding it fails the deployment (over 51,200 bytes CDK only uploads the
 * template to S3 first).
 */
export const LIMITS = {
  resources: { value: 500, label: 'resources per stack (CloudFormation)', field: 'resourceCount', blocking: true },
  inlineTemplate: { value: 51_200, label: 'template body passed inline (bytes; CDK uploads larger templates to S3)', field: 'templateBytes', blocking: false },
  s3Template: { value: 1_048_576, label: 'template body from S3 (bytes)', field: 'templateBytes', blocking: true },
  roleInlinePolicy: { value: 10_240, label: 'inline policies of one IAM role, summed (characters, whitespace excluded)', field: 'maxRoleInlinePolicyChars', blocking: true },
  managedPolicySize: { value: 6_144, label: 'one managed policy (characters, whitespace excluded)', field: 'maxManagedPolicyChars', blocking: true },
  roleManagedPolicies: { value: 10, label: 'managed policies attached to one IAM role (default quota; 20 at most)', field: 'maxRoleManagedPolicies', blocking: true },
} as const satisfies Record<string, { value: number; label: string; field: ScannedField; blocking: boolean }>;
export type LimitName = keyof typeof LIMITS;

/**
 * Quantities that move in steps rather than linearly with N, per variant: CDK packs whole
 * statements of this library's handler policy into the inline policy and then into managed
 * policies, so these are not interpolated between measured sizes.
 */
const STEPWISE: Partial<Record<Variant, readonly LimitName[]>> = {
  library: ['roleInlinePolicy', 'managedPolicySize', 'roleManagedPolicies'],
};

/**
 * Where a limit is first exceeded. `scanned`: every N up to `n` was synthesized, `n` is exact;
 * `interpolated` / `extrapolated`: linear between measured sizes / from the last two past the
 * largest; `bracketed`: exceeded at the measured size `n`, not at the measured size (or scanned N)
 * `after`, for a quantity that moves in steps.
 */
export interface Crossing {
  readonly n: number;
  readonly how: 'scanned' | 'interpolated' | 'extrapolated' | 'bracketed';
  readonly after?: number;
}

/** Every N synthesized from 1 until the library's stack first exceeds a blocking limit. */
export interface LimitScan {
  readonly variant: Variant;
  /** The last N synthesized: the first over a limit, or the largest measured size if none was. */
  readonly lastN: number;
  /** The limits exceeded at lastN (empty: none up to it). */
  readonly exceeded: LimitName[];
  readonly atLast: ScanRow;
  /** The row before (the largest N within every limit). */
  readonly beforeLast?: ScanRow;
  /** Over N = 1 .. lastN - 1 (every N within every limit): the largest value of each quantity, and where. */
  readonly maxWithinLimits: Record<ScannedField, { readonly value: number; readonly n: number }>;
  readonly ms: number;
}

/** One variant at one size: timings summarized over the rounds; what the template holds (the same every run) from the first. */
export interface SynthPoint extends TemplateMeasurement {
  readonly synthMs: Summary;
  readonly processMs: Summary;
  readonly maxRssBytes: Summary;
  readonly loadMs: Summary;
  readonly warnings: Record<string, number>;
  readonly error?: string;
}

export interface SynthResults {
  readonly sizes: readonly number[];
  readonly variants: readonly Variant[];
  readonly rounds: number;
  readonly baseline: { readonly maxRssBytes: Summary; readonly loadMs: Summary; readonly processMs: Summary };
  readonly points: Record<Variant, Record<number, SynthPoint>>;
  /** Per-round ratio of a variant's synthMs (and peak RSS) to the floor's, per size. */
  readonly ratios: Record<Variant, Record<number, { readonly synthMs: Summary; readonly maxRss: Summary; readonly templateBytes: number }>>;
  /** The same, against the floor with a cr.Provider, and against AwsCustomResource. */
  readonly ratiosToFloorProvider: Record<Variant, Record<number, { readonly synthMs: Summary }>>;
  readonly ratiosToAwsCustomResource: Record<Variant, Record<number, { readonly synthMs: Summary }>>;
  /** Synthesizing the largest library stack with CDK's default 500-resource check. */
  readonly resourceLimitCheck: { readonly n: number; readonly error?: string };
  /** Where each limit is first exceeded, per variant; null: not exceeded and not growing. */
  readonly limitCrossings: Record<Variant, Record<LimitName, Crossing | null>>;
  /** The library's stack synthesized at every N until it first exceeds a blocking limit. */
  readonly limitScan: LimitScan;
  /** Kept for the throughput section: the library's cloud assembly at this size. */
  readonly keptAssembly?: { readonly n: number; readonly dir: string };
  /** The members-only app, measured in the same rounds (each round: the projects app's sizes, then these). */
  readonly membersOnly: AppPoints;
}

/** One app's measurements: every variant at every size, and the library's per-round ratios. */
export interface AppPoints {
  readonly sizes: readonly number[];
  readonly points: Record<Variant, Record<number, SynthPoint>>;
  /** Per-round ratios of the library's synthMs to another variant's, per size. */
  readonly libraryRatios: Record<'floor' | 'awsCustomResource', Record<number, Summary>>;
}

const CHILD = path.join(ROOT, 'benchmarks', 'synth-child.ts');
const REGISTER = path.join(ROOT, 'benchmarks', 'register.js');

function runChild<T = SynthMeasurement>(job: SynthJob): { measurement: T; processMs: number } {
  const result = timedSpawn(process.execPath, ['-r', REGISTER, CHILD, JSON.stringify(job)]);
  if (result.status !== 0 || !fs.existsSync(job.resultFile)) {
    throw new Error(`synthesis ${job.variant} N=${job.n} failed (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  const measurement = JSON.parse(fs.readFileSync(job.resultFile, 'utf-8')) as T;
  fs.rmSync(job.resultFile, { force: true });
  return { measurement, processMs: result.ms };
}

/** Synthesizes the variant at N = 1, 2, ... up to `to` in one process, until a blocking limit is exceeded. */
function scanLimits(variant: Variant, to: number, workDir: string): LimitScan {
  const names = (Object.keys(LIMITS) as LimitName[]).filter(l => LIMITS[l].blocking);
  const outdir = path.join(workDir, `scan-${variant}.out`);
  const { measurement: scan } = runChild<ScanResult>({
    variant,
    n: to,
    outdir,
    resultFile: path.join(workDir, `scan-${variant}.json`),
    scanLimits: names.map(name => ({ name, field: LIMITS[name].field, value: LIMITS[name].value })),
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  const exceeded = scan.exceeded as LimitName[];
  const within = exceeded.length > 0 ? scan.rows.slice(0, -1) : scan.rows;
  const fields = Object.keys(scan.rows[0]).filter(k => k !== 'n' && k !== 'customResources') as ScannedField[];
  const maxWithinLimits = Object.fromEntries(fields.map(f => [f, within.reduce(
    (best, row) => (row[f] > best.value ? { value: row[f], n: row.n } : best), { value: 0, n: 0 })])) as LimitScan['maxWithinLimits'];
  return {
    variant,
    lastN: scan.rows[scan.rows.length - 1].n,
    exceeded,
    atLast: scan.rows[scan.rows.length - 1],
    beforeLast: scan.rows[scan.rows.length - 2],
    maxWithinLimits,
    ms: scan.ms,
  };
}

export interface SynthOptions {
  readonly rounds: number;
  readonly workDir: string;
  readonly sizes?: readonly number[];
  readonly membersOnlySizes?: readonly number[];
  /** Keep the library's assembly at this size (for the throughput section). */
  readonly keepLibraryAssemblyAt?: number;
}

export function measureSynth(options: SynthOptions): SynthResults {
  const sizes = options.sizes ?? SIZES;
  const membersOnlySizes = options.membersOnlySizes ?? MEMBERS_ONLY_SIZES;
  const variants = VARIANTS;
  const raw: Record<string, Array<SynthMeasurement & { processMs: number }>> = {};
  const key = (v: string, n: number, kind: AppKind = 'projects') => `${kind}:${v}@${n}`;
  const baseline: Array<SynthMeasurement & { processMs: number }> = [];
  let keptAssembly: SynthResults['keptAssembly'];

  for (let round = 0; round < options.rounds; round++) {
    const b = runChild({ variant: 'baseline', n: 0, outdir: path.join(options.workDir, 'baseline.out'), resultFile: path.join(options.workDir, 'baseline.json'), baseline: true });
    baseline.push({ ...b.measurement, processMs: b.processMs });
    for (const n of sizes) {
      // Rotate the order each round, so no variant always runs first (or right after the heaviest).
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        const keep = variant === 'library' && n === options.keepLibraryAssemblyAt && round === 0;
        const outdir = path.join(options.workDir, keep ? `kept-${variant}-${n}.out` : `synth-${variant}-${n}.out`);
        const { measurement, processMs } = runChild({ variant, n, outdir, resultFile: path.join(options.workDir, `${variant}-${n}.json`) });
        if (measurement.error) {
          throw new Error(`synthesis ${variant} N=${n} failed: ${measurement.error}`);
        }
        (raw[key(variant, n)] ??= []).push({ ...measurement, processMs });
        if (keep) {
          keptAssembly = { n, dir: outdir };
        } else {
          fs.rmSync(outdir, { recursive: true, force: true });
        }
      }
    }
    for (const n of membersOnlySizes) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        const outdir = path.join(options.workDir, `synth-members-${variant}-${n}.out`);
        const job = { kind: 'membersOnly', variant, n, outdir, resultFile: path.join(options.workDir, `members-${variant}-${n}.json`) };
        const { measurement, processMs } = runChild(job);
        if (measurement.error) {
          throw new Error(`synthesis of the members-only app, ${variant} N=${n} failed: ${measurement.error}`);
        }
        (raw[key(variant, n, 'membersOnly')] ??= []).push({ ...measurement, processMs });
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
    progress(`synthesis: round ${round + 1}/${options.rounds} done`);
  }

  const largest = Math.max(...sizes);
  const limitDir = path.join(options.workDir, 'limit-check.out');
  const limit = runChild({ variant: 'library', n: largest, outdir: limitDir, resultFile: path.join(options.workDir, 'limit.json'), resourceLimitCheck: true });
  fs.rmSync(limitDir, { recursive: true, force: true });

  const pointsOf = (kind: AppKind, ns: readonly number[]) => {
    const out = {} as Record<Variant, Record<number, SynthPoint>>;
    for (const variant of variants) {
      out[variant] = {};
      for (const n of ns) {
        const runs = raw[key(variant, n, kind)];
        const first = runs[0];
        out[variant][n] = {
          synthMs: summarize(runs.map(r => r.synthMs)),
          processMs: summarize(runs.map(r => r.processMs)),
          maxRssBytes: summarize(runs.map(r => r.maxRssBytes)),
          loadMs: summarize(runs.map(r => r.loadMs)),
          ...templateFields(first),
          warnings: first.warnings,
        };
      }
    }
    return out;
  };
  const points = pointsOf('projects', sizes);

  const perRoundRatio = (variant: Variant, against: Variant, n: number, pick: (m: SynthMeasurement) => number, kind: AppKind = 'projects') => {
    const a = raw[key(variant, n, kind)];
    const b = raw[key(against, n, kind)];
    return summarize(a.map((m, i) => pick(m) / pick(b[i])));
  };
  const membersOnly: AppPoints = {
    sizes: membersOnlySizes,
    points: pointsOf('membersOnly', membersOnlySizes),
    libraryRatios: Object.fromEntries((['floor', 'awsCustomResource'] as const).map(v => [v, Object.fromEntries(membersOnlySizes.map(n => [n,
      perRoundRatio('library', v, n, m => m.synthMs, 'membersOnly')]))])) as AppPoints['libraryRatios'],
  };
  const ratios = {} as SynthResults['ratios'];
  const ratiosToFloorProvider = {} as SynthResults['ratiosToFloorProvider'];
  const ratiosToAwsCustomResource = {} as SynthResults['ratiosToAwsCustomResource'];
  for (const variant of variants) {
    ratios[variant] = {};
    ratiosToFloorProvider[variant] = {};
    ratiosToAwsCustomResource[variant] = {};
    for (const n of sizes) {
      ratios[variant][n] = {
        synthMs: perRoundRatio(variant, 'floor', n, m => m.synthMs),
        maxRss: perRoundRatio(variant, 'floor', n, m => m.maxRssBytes),
        templateBytes: points[variant][n].templateBytes / points.floor[n].templateBytes,
      };
      ratiosToFloorProvider[variant][n] = { synthMs: perRoundRatio(variant, 'floorProvider', n, m => m.synthMs) };
      ratiosToAwsCustomResource[variant][n] = { synthMs: perRoundRatio(variant, 'awsCustomResource', n, m => m.synthMs) };
    }
  }

  progress(`synthesis: the library at every N from 1 until a limit is exceeded (at most ${largest})`);
  const limitScan = scanLimits('library', largest, options.workDir);

  const limitCrossings = limitCrossingsOf(sizes, variants, points, limitScan);

  return {
    sizes,
    variants,
    rounds: options.rounds,
    baseline: {
      maxRssBytes: summarize(baseline.map(b => b.maxRssBytes)),
      loadMs: summarize(baseline.map(b => b.loadMs)),
      processMs: summarize(baseline.map(b => b.processMs)),
    },
    points,
    ratios,
    ratiosToFloorProvider,
    ratiosToAwsCustomResource,
    resourceLimitCheck: { n: largest, error: limit.measurement.error },
    limitCrossings,
    limitScan,
    keptAssembly,
    membersOnly,
  };
}

/**
 * Where each limit is first exceeded, per variant, from the measured sizes and the scan: exact for
 * what the scan found over a limit; for the scanned variant's other limits, not before the scan's
 * last N.
 */
export function limitCrossingsOf(sizes: readonly number[], variants: readonly Variant[], points: SynthResults['points'], limitScan: LimitScan) {
  const limitCrossings = {} as SynthResults['limitCrossings'];
  for (const variant of variants) {
    limitCrossings[variant] = {} as Record<LimitName, Crossing | null>;
    for (const name of Object.keys(LIMITS) as LimitName[]) {
      const { field, value } = LIMITS[name];
      const series = sizes.map(n => ({ n, v: points[variant][n][field] }));
      let c = STEPWISE[variant]?.includes(name) ? bracket(series, value) : crossing(series, value);
      if (variant === limitScan.variant && LIMITS[name].blocking && !limitScan.exceeded.includes(name)) {
        // Not over this limit at any N up to the scan's last one.
        if (c && (c.n <= limitScan.lastN || (c.how === 'bracketed' && (c.after ?? 0) < limitScan.lastN))) {
          const above = series.find(x => x.n > limitScan.lastN && x.v > value);
          c = above ? { n: above.n, how: 'bracketed', after: limitScan.lastN } : null;
        }
      } else if (variant === limitScan.variant && limitScan.exceeded.includes(name)) {
        c = { n: limitScan.lastN, how: 'scanned' };
      }
      limitCrossings[variant][name] = c;
    }
  }
  return limitCrossings;
}

/**
 * The smallest N at which a quantity that grows with N exceeds `limit`: linear interpolation
 * between measured sizes, linear extrapolation from the last two past the largest; null when it
 * does not grow.
 */
export function crossing(series: ReadonlyArray<{ n: number; v: number }>, limit: number): Crossing | null {
  for (let i = 0; i < series.length; i++) {
    const { n, v } = series[i];
    if (v > limit) {
      if (i === 0) {
        return { n, how: 'interpolated' };
      }
      const prev = series[i - 1];
      const at = prev.n + (limit - prev.v) * (n - prev.n) / (v - prev.v);
      return { n: Math.floor(at) + 1, how: 'interpolated' };
    }
  }
  const [a, b] = series.slice(-2);
  if (!a || !b || b.v <= a.v) {
    return null;
  }
  const at = b.n + (limit - b.v) * (b.n - a.n) / (b.v - a.v);
  return { n: Math.floor(at) + 1, how: 'extrapolated' };
}

/** For a quantity that moves in steps: the first measured size over the limit, and the one before it. */
function bracket(series: ReadonlyArray<{ n: number; v: number }>, limit: number): Crossing | null {
  const i = series.findIndex(x => x.v > limit);
  return i < 0 ? null : { n: series[i].n, how: 'bracketed', after: i > 0 ? series[i - 1].n : undefined };
}

/** The deterministic fields of a measurement, as a SynthPoint keeps them. */
function templateFields(m: SynthMeasurement): TemplateMeasurement {
  return {
    templateBytes: m.templateBytes,
    templateCompactBytes: m.templateCompactBytes,
    resourceCount: m.resourceCount,
    resourceTypes: m.resourceTypes,
    maxRoleInlinePolicyChars: m.maxRoleInlinePolicyChars,
    maxRoleManagedPolicies: m.maxRoleManagedPolicies,
    maxManagedPolicyChars: m.maxManagedPolicyChars,
    policyRole: m.policyRole,
    customResourceBytes: m.customResourceBytes,
    policyBytes: m.policyBytes,
    dependsOnBytes: m.dependsOnBytes,
    customResourcesWithDependsOn: m.customResourcesWithDependsOn,
    customResourceIdChars: m.customResourceIdChars,
    logicalIdExamples: m.logicalIdExamples,
    serviceTokenTarget: m.serviceTokenTarget,
  };
}
