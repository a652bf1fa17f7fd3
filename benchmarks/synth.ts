/**
 * Section 1: synthesis cost and scale. Every synthesis runs in its own child process (as `cdk synth`
 * runs an app once per process); the variants are interleaved round by round, so that a busy
 * machine slows them alike and the per-round ratios stay meaningful.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Variant, VARIANTS } from './apps';
import { progress, ROOT, Summary, summarize, timedSpawn } from './stats';
import type { SynthJob, SynthMeasurement } from './synth-child';

export const SIZES = [1, 10, 100, 400] as const;

/** CloudFormation and IAM limits a stack runs into as it grows. */
export const LIMITS = {
  resources: { value: 500, label: 'resources per stack (CloudFormation)' },
  inlineTemplate: { value: 51_200, label: 'template body passed inline (bytes; CDK uploads larger templates to S3)' },
  s3Template: { value: 1_048_576, label: 'template body from S3 (bytes)' },
  roleInlinePolicy: { value: 10_240, label: 'aggregate inline policy size of one IAM role (characters, whitespace excluded)' },
} as const;
export type LimitName = keyof typeof LIMITS;

export interface SynthPoint {
  readonly synthMs: Summary;
  readonly processMs: Summary;
  readonly maxRssBytes: Summary;
  readonly loadMs: Summary;
  /** Deterministic (identical in every run): taken from the first run. */
  readonly templateBytes: number;
  readonly templateCompactBytes: number;
  readonly resourceCount: number;
  readonly resourceTypes: Record<string, number>;
  readonly maxRoleInlinePolicyChars: number;
  readonly customResourceBytes: number;
  readonly policyBytes: number;
  readonly dependsOnBytes: number;
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
  /** The same, against the floor with a cr.Provider. */
  readonly ratiosToFloorProvider: Record<Variant, Record<number, { readonly synthMs: Summary }>>;
  /** Synthesizing the largest library stack with CDK's default 500-resource check. */
  readonly resourceLimitCheck: { readonly n: number; readonly error?: string };
  /** Where each limit is first exceeded, per variant (linear between measured sizes, extrapolated past the largest). */
  readonly limitCrossings: Record<Variant, Record<LimitName, { readonly n: number; readonly extrapolated: boolean } | null>>;
  /** Kept for the throughput section: the library's cloud assembly at this size. */
  readonly keptAssembly?: { readonly n: number; readonly dir: string };
}

const CHILD = path.join(ROOT, 'benchmarks', 'synth-child.ts');
const REGISTER = path.join(ROOT, 'benchmarks', 'register.js');

function runChild(job: SynthJob): { measurement: SynthMeasurement; processMs: number } {
  const result = timedSpawn(process.execPath, ['-r', REGISTER, CHILD, JSON.stringify(job)]);
  if (result.status !== 0 || !fs.existsSync(job.resultFile)) {
    throw new Error(`synthesis ${job.variant} N=${job.n} failed (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  const measurement = JSON.parse(fs.readFileSync(job.resultFile, 'utf-8')) as SynthMeasurement;
  fs.rmSync(job.resultFile, { force: true });
  return { measurement, processMs: result.ms };
}

export interface SynthOptions {
  readonly rounds: number;
  readonly workDir: string;
  readonly sizes?: readonly number[];
  /** Keep the library's assembly at this size (for the throughput section). */
  readonly keepLibraryAssemblyAt?: number;
}

export function measureSynth(options: SynthOptions): SynthResults {
  const sizes = options.sizes ?? SIZES;
  const variants = VARIANTS;
  const raw: Record<string, Array<SynthMeasurement & { processMs: number }>> = {};
  const key = (v: string, n: number) => `${v}@${n}`;
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
    progress(`synthesis: round ${round + 1}/${options.rounds} done`);
  }

  const largest = Math.max(...sizes);
  const limitDir = path.join(options.workDir, 'limit-check.out');
  const limit = runChild({ variant: 'library', n: largest, outdir: limitDir, resultFile: path.join(options.workDir, 'limit.json'), resourceLimitCheck: true });
  fs.rmSync(limitDir, { recursive: true, force: true });

  const points = {} as Record<Variant, Record<number, SynthPoint>>;
  for (const variant of variants) {
    points[variant] = {};
    for (const n of sizes) {
      const runs = raw[key(variant, n)];
      const first = runs[0];
      points[variant][n] = {
        synthMs: summarize(runs.map(r => r.synthMs)),
        processMs: summarize(runs.map(r => r.processMs)),
        maxRssBytes: summarize(runs.map(r => r.maxRssBytes)),
        loadMs: summarize(runs.map(r => r.loadMs)),
        templateBytes: first.templateBytes,
        templateCompactBytes: first.templateCompactBytes,
        resourceCount: first.resourceCount,
        resourceTypes: first.resourceTypes,
        maxRoleInlinePolicyChars: first.maxRoleInlinePolicyChars,
        customResourceBytes: first.customResourceBytes,
        policyBytes: first.policyBytes,
        dependsOnBytes: first.dependsOnBytes,
        warnings: first.warnings,
      };
    }
  }

  const perRoundRatio = (variant: Variant, against: Variant, n: number, pick: (m: SynthMeasurement) => number) => {
    const a = raw[key(variant, n)];
    const b = raw[key(against, n)];
    return summarize(a.map((m, i) => pick(m) / pick(b[i])));
  };
  const ratios = {} as SynthResults['ratios'];
  const ratiosToFloorProvider = {} as SynthResults['ratiosToFloorProvider'];
  for (const variant of variants) {
    ratios[variant] = {};
    ratiosToFloorProvider[variant] = {};
    for (const n of sizes) {
      ratios[variant][n] = {
        synthMs: perRoundRatio(variant, 'floor', n, m => m.synthMs),
        maxRss: perRoundRatio(variant, 'floor', n, m => m.maxRssBytes),
        templateBytes: points[variant][n].templateBytes / points.floor[n].templateBytes,
      };
      ratiosToFloorProvider[variant][n] = { synthMs: perRoundRatio(variant, 'floorProvider', n, m => m.synthMs) };
    }
  }

  const limitCrossings = {} as SynthResults['limitCrossings'];
  for (const variant of variants) {
    const series = (pick: (p: SynthPoint) => number) => sizes.map(n => ({ n, v: pick(points[variant][n]) }));
    limitCrossings[variant] = {
      resources: crossing(series(p => p.resourceCount), LIMITS.resources.value),
      inlineTemplate: crossing(series(p => p.templateBytes), LIMITS.inlineTemplate.value),
      s3Template: crossing(series(p => p.templateBytes), LIMITS.s3Template.value),
      roleInlinePolicy: crossing(series(p => p.maxRoleInlinePolicyChars), LIMITS.roleInlinePolicy.value),
    };
  }

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
    resourceLimitCheck: { n: largest, error: limit.measurement.error },
    limitCrossings,
    keptAssembly,
  };
}

/**
 * The smallest N at which a quantity that grows with N exceeds `limit`: linear interpolation
 * between measured sizes, linear extrapolation from the last two past the largest; null when it
 * does not grow.
 */
export function crossing(series: ReadonlyArray<{ n: number; v: number }>, limit: number): { n: number; extrapolated: boolean } | null {
  for (let i = 0; i < series.length; i++) {
    const { n, v } = series[i];
    if (v > limit) {
      if (i === 0) {
        return { n, extrapolated: false };
      }
      const prev = series[i - 1];
      const at = prev.n + (limit - prev.v) * (n - prev.n) / (v - prev.v);
      return { n: Math.floor(at) + 1, extrapolated: false };
    }
  }
  const [a, b] = series.slice(-2);
  if (!a || !b || b.v <= a.v) {
    return null;
  }
  const at = b.n + (limit - b.v) * (b.n - a.n) / (b.v - a.v);
  return { n: Math.floor(at) + 1, extrapolated: true };
}
