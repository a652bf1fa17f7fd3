/**
 * Section 2: what the handler bundle costs: bytes (minified, gzip, zipped as the Lambda asset),
 * loading it into a fresh Node process, memory after loading, and a cold first invocation. The
 * bundler flags are read from the `bundle:handler` task, and the flag changes are measured side by
 * side (built into a temporary directory, never into assets/).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { progress, ROOT, Summary, summarize, timedSpawn, timedSpawnAsync } from './stats';

export const HANDLER_FILE = path.join(ROOT, 'assets', 'handler', 'index.js');

export interface BundleVariant {
  readonly name: string;
  readonly flags: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Name of an earlier variant with byte-identical output, if any (its load time is not measured again). */
  readonly identicalTo?: string;
  /** Spawn time of `node -e "require(bundle)"` minus that of `node -e ""`, per round. */
  readonly loadMs?: Summary;
  /** The largest packages in the output, from the esbuild metafile. */
  readonly topPackages: Array<{ readonly name: string; readonly bytes: number }>;
}

export interface HandlerCost {
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  /** The asset directory as cdk-assets zips it (deflate, level 9), and the files in it. */
  readonly zipBytes: number;
  readonly assetFiles: string[];
  readonly runs: number;
  readonly nodeEmptyMs: Summary;
  readonly nodeRequireMs: Summary;
  /** nodeRequireMs - nodeEmptyMs, round by round. */
  readonly loadMs: Summary;
  /** require() timed inside the process. */
  readonly inProcessRequireMs: Summary;
  readonly rssBeforeBytes: Summary;
  readonly rssAfterBytes: Summary;
  readonly heapUsedAfterBytes: Summary;
  /** A fresh process: require, then one onEvent (Delete of a user profile: one CodeStar call over HTTP). */
  readonly firstInvocation: { readonly requireMs: Summary; readonly firstEventMs: Summary; readonly rssAfterBytes: Summary };
  readonly variants: BundleVariant[];
  /** The bundle in assets/ differs from what the task's flags build now. */
  readonly staleBundle: boolean;
  readonly bundleFlags: string;
}

/** The esbuild command line of the `bundle:handler` task. */
export function bundleCommand(): string {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf-8'));
  const exec = (tasks.tasks['bundle:handler'].steps as Array<{ exec?: string }>).map(s => s.exec).find(e => e?.startsWith('esbuild'));
  if (!exec) {
    throw new Error('no esbuild step in the bundle:handler task');
  }
  return exec;
}

type BuiltVariant = BundleVariant & { file: string; hash: string };

function buildVariant(name: string, args: string[], outDir: string, earlier: readonly BuiltVariant[]): BuiltVariant {
  const file = path.join(outDir, `${name.replace(/\W+/g, '-')}.js`);
  const meta = `${file}.meta.json`;
  // The esbuild executable (a native binary, or a Node script with a shebang on some platforms).
  const result = timedSpawn(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [
    ...args.filter(a => !a.startsWith('--outfile=') && !a.startsWith('--metafile=')),
    `--outfile=${file}`, `--metafile=${meta}`, '--log-level=warning',
  ]);
  if (result.status !== 0) {
    throw new Error(`esbuild (${name}) failed: ${result.stderr}`);
  }
  const content = fs.readFileSync(file);
  const hash = createHash('sha256').update(content).digest('hex');
  const outputs = JSON.parse(fs.readFileSync(meta, 'utf-8')).outputs as Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(outputs)[0].inputs)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const topPackages = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, bytes]) => ({ name: n, bytes }));
  return {
    name,
    flags: args.filter(a => a.startsWith('--') && !a.startsWith('--outfile=') && !a.startsWith('--metafile=')).join(' '),
    bytes: content.length,
    gzipBytes: zlib.gzipSync(content, { level: 9 }).length,
    identicalTo: earlier.find(e => e.hash === hash)?.name,
    topPackages,
    file,
    hash,
  };
}

/** `node_modules/@aws-sdk/client-sts/dist-es/x.js` -> `@aws-sdk/client-sts`; own sources -> `(handler)`. */
function packageOf(input: string): string {
  const parts = input.split('node_modules/');
  if (parts.length === 1) {
    return '(handler sources)';
  }
  const rest = parts[parts.length - 1].split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** Approximately what cdk-assets uploads: a zip (deflate level 9) of the asset directory. */
function zipSize(dir: string): { bytes: number; files: string[] } {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter(f => fs.statSync(path.join(dir, f)).isFile());
  let bytes = 22; // end of central directory
  for (const file of files) {
    const name = Buffer.byteLength(file);
    bytes += 30 + name + zlib.deflateRawSync(fs.readFileSync(path.join(dir, file)), { level: 9 }).length + 46 + name;
  }
  return { bytes, files: files.sort() };
}

const FIRST_INVOCATION = `
const { performance } = require('perf_hooks');
const t0 = performance.now();
const handler = require(process.env.BENCH_BUNDLE);
const t1 = performance.now();
console.log = () => undefined; // the handler's log lines
const userArn = 'arn:aws:iam::123456789012:user/first-invocation';
handler.onEvent({
  RequestType: 'Delete', ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:bench', ResponseURL: 'https://example.invalid/',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/00000000-0000-0000-0000-000000000000',
  RequestId: '00000000-0000-0000-0000-000000000001', LogicalResourceId: 'Profile', ResourceType: 'Custom::CodeStarUserProfile',
  PhysicalResourceId: userArn, ResourceProperties: { ServiceToken: 'x', userArn, displayName: 'First Invocation', emailAddress: 'first@example.org' },
}, { getRemainingTimeInMillis: () => 60000 }).then(() => {
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ requireMs: t1 - t0, firstEventMs: t2 - t1, rss: process.memoryUsage().rss }));
}, e => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

const MEMORY = `
const before = process.memoryUsage();
const { performance } = require('perf_hooks');
const t0 = performance.now();
require(process.env.BENCH_BUNDLE);
const t1 = performance.now();
const after = process.memoryUsage();
process.stdout.write(JSON.stringify({ ms: t1 - t0, rssBefore: before.rss, rssAfter: after.rss, heapUsed: after.heapUsed }));
`;

export interface HandlerCostOptions {
  readonly runs: number;
  readonly workDir: string;
  /** The local endpoint, for the first invocation. */
  readonly codeStarUrl: string;
}

export async function measureHandlerCost(options: HandlerCostOptions): Promise<HandlerCost> {
  const bundleBytesContent = fs.readFileSync(HANDLER_FILE);
  const command = bundleCommand();
  const args = command.split(/\s+/).slice(1);
  const variantDir = fs.mkdtempSync(path.join(options.workDir, 'bundles-'));

  // The task's flags now, and the flags before this benchmark's change, side by side.
  const built: BuiltVariant[] = [];
  const withoutMainFields = args.filter(a => !a.startsWith('--main-fields='));
  built.push(buildVariant('CommonJS SDK builds (esbuild default main fields)', withoutMainFields, variantDir, built));
  built.push(buildVariant('+ --tree-shaking=true', [...withoutMainFields, '--tree-shaking=true'], variantDir, built));
  built.push(buildVariant('current bundle:handler flags', args, variantDir, built));
  const current = built[built.length - 1];
  const staleBundle = createHash('sha256').update(bundleBytesContent).digest('hex') !== current.hash;

  const timedVariants = built.filter(v => !v.identicalTo && v.hash !== createHash('sha256').update(bundleBytesContent).digest('hex'));
  const empty: number[] = [];
  const loaded: number[] = [];
  const diff: number[] = [];
  const variantDiff = new Map<string, number[]>(timedVariants.map(v => [v.name, []]));
  for (let i = 0; i < options.runs; i++) {
    const e = timedSpawn(process.execPath, ['-e', '']).ms;
    const r = timedSpawn(process.execPath, ['-e', `require(${JSON.stringify(HANDLER_FILE)})`]);
    if (r.status !== 0) {
      throw new Error(`loading the bundle failed: ${r.stderr}`);
    }
    empty.push(e);
    loaded.push(r.ms);
    diff.push(r.ms - e);
    for (const v of timedVariants) {
      variantDiff.get(v.name)!.push(timedSpawn(process.execPath, ['-e', `require(${JSON.stringify(v.file)})`]).ms - e);
    }
  }
  progress(`handler: cold load measured (${options.runs} rounds)`);

  const memory = Array.from({ length: Math.min(options.runs, 7) }, () => {
    const r = timedSpawn(process.execPath, ['-e', MEMORY], { env: { ...process.env, BENCH_BUNDLE: HANDLER_FILE } });
    return JSON.parse(r.stdout) as { ms: number; rssBefore: number; rssAfter: number; heapUsed: number };
  });
  const first: Array<{ requireMs: number; firstEventMs: number; rss: number }> = [];
  for (let i = 0; i < Math.min(options.runs, 7); i++) {
    const r = await timedSpawnAsync(process.execPath, ['-e', FIRST_INVOCATION], {
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_BUNDLE: HANDLER_FILE,
        // As Lambda sets them: region and environment credentials, and the endpoint the SDK honours.
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'ASIABENCHMARK0000000',
        AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
        AWS_SESSION_TOKEN: 'bench-fake-session-token',
        AWS_ENDPOINT_URL_CODESTAR: options.codeStarUrl,
      },
    });
    if (r.status !== 0) {
      throw new Error(`first invocation failed: ${r.stderr}`);
    }
    first.push(JSON.parse(r.stdout));
  }
  progress('handler: memory and first invocation measured');

  const zip = zipSize(path.dirname(HANDLER_FILE));
  return {
    bundleBytes: bundleBytesContent.length,
    gzipBytes: zlib.gzipSync(bundleBytesContent, { level: 9 }).length,
    zipBytes: zip.bytes,
    assetFiles: zip.files,
    runs: options.runs,
    nodeEmptyMs: summarize(empty),
    nodeRequireMs: summarize(loaded),
    loadMs: summarize(diff),
    inProcessRequireMs: summarize(memory.map(m => m.ms)),
    rssBeforeBytes: summarize(memory.map(m => m.rssBefore)),
    rssAfterBytes: summarize(memory.map(m => m.rssAfter)),
    heapUsedAfterBytes: summarize(memory.map(m => m.heapUsed)),
    firstInvocation: {
      requireMs: summarize(first.map(f => f.requireMs)),
      firstEventMs: summarize(first.map(f => f.firstEventMs)),
      rssAfterBytes: summarize(first.map(f => f.rss)),
    },
    variants: built.map(({ file: _file, hash, ...v }) => ({
      ...v,
      // The variant identical to assets/handler/index.js was timed as "the bundle".
      loadMs: variantDiff.has(v.name) ? summarize(variantDiff.get(v.name)!) : hash === current.hash && !staleBundle ? summarize(diff) : undefined,
    })),
    staleBundle,
    bundleFlags: args.filter(a => a.startsWith('--')).join(' '),
  };
}
