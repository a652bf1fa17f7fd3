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
  /** Which app (`apps.APP_KINDS`). @default 'projects' */
  readonly kind?: string;
  readonly variant: string;
  readonly n: number;
  readonly outdir: string;
  readonly resultFile: string;
  /** Keep CDK's default 500-resource check, and report its error instead of failing. */
  readonly resourceLimitCheck?: boolean;
  /** Only load the modules and build nothing: the baseline process. */
  readonly baseline?: boolean;
  /**
   * Instead of one synthesis: synthesize every N from 1 to `n`, one App each, and stop after the
   * first N at which any of `limits` is exceeded. Nothing is timed; the result is a `ScanResult`.
   */
  readonly scanLimits?: ReadonlyArray<{ readonly name: string; readonly field: ScannedField; readonly value: number }>;
}

/** What one template holds, deterministically (the same in every run). */
export interface TemplateMeasurement {
  /** The template as CDK writes it (indented), and as compact JSON. */
  readonly templateBytes: number;
  readonly templateCompactBytes: number;
  readonly resourceCount: number;
  readonly resourceTypes: Record<string, number>;
  /**
   * The largest sum, over one role, of its inline policies (AWS::IAM::Policy documents attached to
   * it and the role's own `Policies`), as IAM counts it: resolved JSON without whitespace. IAM's
   * limit is 10,240 characters.
   */
  readonly maxRoleInlinePolicyChars: number;
  /**
   * The most managed policies attached to one role: AWS::IAM::ManagedPolicy resources naming it in
   * `Roles`, and the ARNs in its `ManagedPolicyArns` (AWS managed ones included, as IAM counts
   * them). IAM allows 10 per role by default, 20 with a quota increase.
   */
  readonly maxRoleManagedPolicies: number;
  /** The largest AWS::IAM::ManagedPolicy document, resolved, without whitespace. IAM's limit is 6,144 characters. */
  readonly maxManagedPolicyChars: number;
  /** The role those maxima belong to when one role holds all three (the handler role, for this library). */
  readonly policyRole?: string;
  /** Compact template bytes spent on custom resources, on IAM policies, and on DependsOn lists. */
  readonly customResourceBytes: number;
  readonly policyBytes: number;
  readonly dependsOnBytes: number;
  /** Custom resources that carry a DependsOn list. */
  readonly customResourcesWithDependsOn: number;
  /** Characters of the custom resources' logical ids, summed. */
  readonly customResourceIdChars: number;
  /** The first logical id of each custom resource type, and the resource its ServiceToken names. */
  readonly logicalIdExamples: Record<string, string>;
  readonly serviceTokenTarget?: string;
}

/** What the child reports. */
export interface SynthMeasurement extends TemplateMeasurement {
  readonly variant: string;
  readonly n: number;
  /** Loading aws-cdk-lib and the library (not part of synthMs). */
  readonly loadMs: number;
  /** Building the construct tree and app.synth(). */
  readonly synthMs: number;
  /** Peak resident set size of the process, in bytes. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  readonly warnings: Record<string, number>;
  /** When synthesis failed (with `resourceLimitCheck`, the limit error). */
  readonly error?: string;
}

/** The fields a limit scan checks and reports per N. */
export const SCANNED_FIELDS = [
  'resourceCount', 'templateBytes', 'maxRoleInlinePolicyChars', 'maxRoleManagedPolicies', 'maxManagedPolicyChars',
] as const;
export type ScannedField = typeof SCANNED_FIELDS[number];
export type ScanRow = { readonly n: number; readonly customResources: number } & Record<ScannedField, number>;

/** What a limit scan reports: one row per N synthesized, the last one the first N over a limit (if any was). */
export interface ScanResult {
  readonly variant: string;
  readonly rows: ScanRow[];
  /** The limits exceeded at the last row's N; empty when none was up to the job's N. */
  readonly exceeded: string[];
  readonly ms: number;
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

/** Measures a synthesized template (as written to cdk.out). */
export function measureTemplate(templateText: string): TemplateMeasurement {
  const template = (templateText ? JSON.parse(templateText) : {}) as { Resources?: Record<string, CfnResource> };
  const entries = Object.entries(template.Resources ?? {});
  const resourceTypes: Record<string, number> = {};
  const inlinePolicyChars: Record<string, number> = {};
  const managedPolicies: Record<string, Set<string>> = {};
  const roleKey = (role: unknown) => ((role as { Ref?: string }).Ref ?? JSON.stringify(role));
  const attachManaged = (role: string, policy: string) => (managedPolicies[role] ??= new Set()).add(policy);
  const policyChars = (document: unknown) => JSON.stringify(resolveApproximately(document)).length;
  let maxManagedPolicyChars = 0;
  let maxManagedPolicyRole: string | undefined;
  let customResourceBytes = 0;
  let customResourcesWithDependsOn = 0;
  let customResourceIdChars = 0;
  let policyBytes = 0;
  let dependsOnBytes = 0;
  let serviceTokenTarget: string | undefined;
  const logicalIdExamples: Record<string, string> = {};
  for (const [id, r] of entries) {
    resourceTypes[r.Type] = (resourceTypes[r.Type] ?? 0) + 1;
    const bytes = JSON.stringify(r).length;
    const props = r.Properties ?? {};
    if (r.Type.startsWith('Custom::')) {
      customResourceBytes += bytes;
      customResourceIdChars += id.length;
      customResourcesWithDependsOn += r.DependsOn ? 1 : 0;
      logicalIdExamples[r.Type] ??= id;
      const token = props.ServiceToken as { 'Fn::GetAtt'?: string[] } | string | undefined;
      serviceTokenTarget ??= typeof token === 'object' && token['Fn::GetAtt'] ? token['Fn::GetAtt'][0] : JSON.stringify(token);
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      policyBytes += bytes;
    }
    if (r.DependsOn) {
      dependsOnBytes += JSON.stringify({ DependsOn: r.DependsOn }).length - 1;
    }
    if (r.Type === 'AWS::IAM::Policy') {
      const chars = policyChars(props.PolicyDocument);
      for (const role of (props.Roles ?? []) as unknown[]) {
        inlinePolicyChars[roleKey(role)] = (inlinePolicyChars[roleKey(role)] ?? 0) + chars;
      }
    }
    if (r.Type === 'AWS::IAM::ManagedPolicy') {
      const chars = policyChars(props.PolicyDocument);
      const roles = ((props.Roles ?? []) as unknown[]).map(roleKey);
      roles.forEach(role => attachManaged(role, id));
      if (chars > maxManagedPolicyChars) {
        maxManagedPolicyChars = chars;
        maxManagedPolicyRole = roles[0];
      }
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies ?? []) as Array<{ PolicyDocument?: unknown }>) {
        inlinePolicyChars[id] = (inlinePolicyChars[id] ?? 0) + policyChars(policy.PolicyDocument);
      }
      for (const arn of (props.ManagedPolicyArns ?? []) as unknown[]) {
        attachManaged(id, (arn as { Ref?: string }).Ref ?? JSON.stringify(arn));
      }
    }
  }
  const maxOf = (values: Record<string, number>) => Object.entries(values).reduce<[string | undefined, number]>(
    (best, [role, v]) => (v > best[1] ? [role, v] : best), [undefined, 0]);
  const [inlineRole, maxRoleInlinePolicyChars] = maxOf(inlinePolicyChars);
  const [managedRole, maxRoleManagedPolicies] = maxOf(Object.fromEntries(Object.entries(managedPolicies).map(([k, v]) => [k, v.size])));
  const roles = new Set([inlineRole, managedRole, maxManagedPolicyRole].filter(x => x !== undefined));
  return {
    templateBytes: Buffer.byteLength(templateText),
    templateCompactBytes: templateText ? Buffer.byteLength(JSON.stringify(template)) : 0,
    resourceCount: entries.length,
    resourceTypes,
    maxRoleInlinePolicyChars,
    maxRoleManagedPolicies,
    maxManagedPolicyChars,
    policyRole: roles.size === 1 ? [...roles][0] : undefined,
    customResourceBytes,
    policyBytes,
    dependsOnBytes,
    customResourcesWithDependsOn,
    customResourceIdChars,
    logicalIdExamples,
    serviceTokenTarget,
  };
}

/** Builds and synthesizes one app; the template text and the stack's messages. */
function synthesize(apps: typeof import('./apps'), job: SynthJob, n: number) {
  const app = apps.newApp({ outdir: job.outdir, resourceLimitCheck: job.resourceLimitCheck });
  apps.buildStack(app, (job.kind ?? 'projects') as never, job.variant as never, n);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(apps.STACK_NAME);
  const templateText = fs.readFileSync(path.join(job.outdir, artifact.templateFile), 'utf-8');
  const warnings: Record<string, number> = {};
  for (const message of artifact.messages) {
    const id = String(message.entry.data).match(/\[ack: ([^\]]+)\]/)?.[1] ?? message.level;
    warnings[`${message.level}:${id}`] = (warnings[`${message.level}:${id}`] ?? 0) + 1;
  }
  return { templateText, warnings };
}

/** Every N from 1 to job.n, until one is over a limit. */
function scan(apps: typeof import('./apps'), job: SynthJob): ScanResult {
  const start = performance.now();
  const rows: ScanRow[] = [];
  let exceeded: string[] = [];
  for (let n = 1; n <= job.n && exceeded.length === 0; n++) {
    const m = measureTemplate(synthesize(apps, job, n).templateText);
    const customResources = Object.entries(m.resourceTypes).filter(([k]) => k.startsWith('Custom::')).reduce((a, [, c]) => a + c, 0);
    rows.push({ n, customResources, ...Object.fromEntries(SCANNED_FIELDS.map(f => [f, m[f]])) as Record<ScannedField, number> });
    exceeded = (job.scanLimits ?? []).filter(l => m[l.field] > l.value).map(l => l.name);
  }
  return { variant: job.variant, rows, exceeded, ms: performance.now() - start };
}

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

  if (job.scanLimits) {
    fs.writeFileSync(job.resultFile, JSON.stringify(scan(apps, job)));
    return;
  }

  let error: string | undefined;
  let templateText = '';
  let warnings: Record<string, number> = {};
  if (!job.baseline) {
    try {
      ({ templateText, warnings } = synthesize(apps, job, job.n));
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  const t2 = performance.now();

  const result: SynthMeasurement = {
    variant: job.variant,
    n: job.n,
    loadMs: t1 - t0,
    synthMs: t2 - t1,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    ...measureTemplate(templateText),
    warnings,
    ...(error !== undefined ? { error: error.split('\n')[0].slice(0, 600) } : {}),
  };
  fs.writeFileSync(job.resultFile, JSON.stringify(result));
}

if (require.main === module) {
  main();
}
