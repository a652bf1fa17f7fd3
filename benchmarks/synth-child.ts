/**
 * One synthesis in a fresh process (a `cdk synth` runs the app once per process): loads aws-cdk-lib
 * and the library, then times building the app and `app.synth()`, and writes what it measured as
 * JSON to the result file.
 *
 *   node -r ./benchmarks/register.js benchmarks/synth-child.ts '<json SynthJob>'
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';

/** What the parent asks for. */
export interface SynthJob {
  readonly variant: string;
  readonly n: number;
  readonly outdir: string;
  readonly resultFile: string;
  /** Keep CDK's default 500-resource check, and report its error instead of failing. */
  readonly resourceLimitCheck?: boolean;
  /** Only load the modules and build nothing: the baseline process. */
  readonly baseline?: boolean;
}

/** What the child reports. */
export interface SynthMeasurement {
  readonly variant: string;
  readonly n: number;
  /** Loading aws-cdk-lib and the library (not part of synthMs). */
  readonly loadMs: number;
  /** Building the construct tree and app.synth(). */
  readonly synthMs: number;
  /** Peak resident set size of the process, in bytes. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** The template as CDK writes it (indented), and as compact JSON. */
  readonly templateBytes: number;
  readonly templateCompactBytes: number;
  readonly resourceCount: number;
  readonly resourceTypes: Record<string, number>;
  /**
   * The largest sum, over one role, of its inline policies (AWS::IAM::Policy documents attached to
   * it), as IAM counts it: resolved JSON without whitespace. IAM's limit is 10,240 characters.
   */
  readonly maxRoleInlinePolicyChars: number;
  /** Compact template bytes spent on custom resources, on IAM policies, and on DependsOn lists. */
  readonly customResourceBytes: number;
  readonly policyBytes: number;
  readonly dependsOnBytes: number;
  readonly warnings: Record<string, number>;
  /** When synthesis failed (with `resourceLimitCheck`, the limit error). */
  readonly error?: string;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string[];
}

/**
 * A policy document as IAM will see it: pseudo parameters and Fn::Join resolved, other references
 * replaced by a plausible ARN of typical length.
 */
function resolveApproximately(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(resolveApproximately);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    return PSEUDO[v.Ref] ?? `arn:aws:service:us-east-1:123456789012:resource/${v.Ref}`;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    return `arn:aws:service:us-east-1:123456789012:resource/${(v['Fn::GetAtt'] as string[])[0]}`;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return (parts.map(resolveApproximately) as string[]).join(sep);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveApproximately(x)]));
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com',
};

const PRELOAD = [
  'aws-cdk-lib', 'aws-cdk-lib/aws-iam', 'aws-cdk-lib/aws-lambda', 'aws-cdk-lib/aws-logs', 'aws-cdk-lib/aws-kms',
  'aws-cdk-lib/aws-s3', 'aws-cdk-lib/aws-s3-assets', 'aws-cdk-lib/aws-secretsmanager', 'aws-cdk-lib/aws-stepfunctions',
  'aws-cdk-lib/custom-resources',
];

function main() {
  const job = JSON.parse(process.argv[2]) as SynthJob;
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const apps = require('./apps') as typeof import('./apps');
  // aws-cdk-lib loads its modules lazily: load every module any variant uses before the clock
  // starts, so that synthMs compares building and synthesizing, not module loading (which the
  // parent's process wall time still includes).
  for (const name of PRELOAD) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(name) as Record<string, unknown>;
    Object.keys(mod).forEach(key => mod[key]);
  }
  const t1 = performance.now();

  let error: string | undefined;
  let template: { Resources?: Record<string, CfnResource> } = {};
  let templateText = '';
  const warnings: Record<string, number> = {};
  if (!job.baseline) {
    try {
      const app = apps.newApp({ outdir: job.outdir, resourceLimitCheck: job.resourceLimitCheck });
      apps.buildStack(app, job.variant as never, job.n);
      const assembly = app.synth();
      const artifact = assembly.getStackByName(apps.STACK_NAME);
      templateText = fs.readFileSync(path.join(job.outdir, artifact.templateFile), 'utf-8');
      template = JSON.parse(templateText);
      for (const message of artifact.messages) {
        const id = String(message.entry.data).match(/\[ack: ([^\]]+)\]/)?.[1] ?? message.level;
        warnings[`${message.level}:${id}`] = (warnings[`${message.level}:${id}`] ?? 0) + 1;
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  const t2 = performance.now();

  const resources = Object.values(template.Resources ?? {});
  const resourceTypes: Record<string, number> = {};
  const inlinePolicyChars: Record<string, number> = {};
  let customResourceBytes = 0;
  let policyBytes = 0;
  let dependsOnBytes = 0;
  for (const r of resources) {
    resourceTypes[r.Type] = (resourceTypes[r.Type] ?? 0) + 1;
    const bytes = JSON.stringify(r).length;
    if (r.Type.startsWith('Custom::')) {
      customResourceBytes += bytes;
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      policyBytes += bytes;
    }
    if (r.DependsOn) {
      dependsOnBytes += JSON.stringify({ DependsOn: r.DependsOn }).length - 1;
    }
    if (r.Type === 'AWS::IAM::Policy') {
      const chars = JSON.stringify(resolveApproximately(r.Properties?.PolicyDocument)).length;
      for (const role of (r.Properties?.Roles ?? []) as Array<{ Ref?: string }>) {
        const key = role.Ref ?? JSON.stringify(role);
        inlinePolicyChars[key] = (inlinePolicyChars[key] ?? 0) + chars;
      }
    }
  }
  const result: SynthMeasurement = {
    variant: job.variant,
    n: job.n,
    loadMs: t1 - t0,
    synthMs: t2 - t1,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    templateBytes: Buffer.byteLength(templateText),
    templateCompactBytes: templateText ? Buffer.byteLength(JSON.stringify(template)) : 0,
    resourceCount: resources.length,
    resourceTypes,
    maxRoleInlinePolicyChars: Math.max(0, ...Object.values(inlinePolicyChars)),
    customResourceBytes,
    policyBytes,
    dependsOnBytes,
    warnings,
    ...(error !== undefined ? { error: error.split('\n')[0].slice(0, 600) } : {}),
  };
  fs.writeFileSync(job.resultFile, JSON.stringify(result));
}

main();
