/**
 * `npm run bench`: measures synthesis against a floor and against AwsCustomResource, the handler
 * bundle, the CodeStar API calls of each lifecycle operation and the runner's throughput, then
 * writes benchmarks/results.json and BENCHMARKS.md.
 *
 *   npm run bench                 # the full run (a few minutes)
 *   npm run bench -- --quick      # fewer repetitions and sizes, to try the scripts out
 *   npm run bench -- --report     # BENCHMARKS.md again from benchmarks/results.json, measuring nothing
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { HANDLER_FILE, measureHandlerCost } from './handler-cost';
import { handlerRejectsServiceTimeout, IN_PROGRESS_DESCRIBES, measureOperations, measureThroughput, tempWorkDir } from './lifecycle';
import { evaluateTargets, renderMarkdown, Results } from './report';
import { progress, ROOT } from './stats';
import { MEMBERS_ONLY_SIZES, measureSynth, SIZES } from './synth';
import { startLocalCodeStar } from '../src/local/endpoint';

const THROUGHPUT_N = 100;

interface Settings {
  readonly quick: boolean;
  readonly synthRounds: number;
  readonly sizes: readonly number[];
  readonly membersOnlySizes: readonly number[];
  readonly loadRuns: number;
  readonly lifecycleRepetitions: number;
  readonly throughputRepetitions: number;
}

function settings(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  return {
    quick,
    synthRounds: quick ? 2 : 7,
    sizes: quick ? [1, 10, 100] : SIZES,
    membersOnlySizes: MEMBERS_ONLY_SIZES,
    loadRuns: quick ? 6 : 20,
    lifecycleRepetitions: quick ? 2 : 7,
    throughputRepetitions: quick ? 1 : 3,
  };
}

/** `--report`: BENCHMARKS.md rendered again from the recorded results (after a change to the report's text), nothing measured. */
function renderRecorded(): void {
  const file = path.join(ROOT, 'benchmarks', 'results.json');
  const recorded = JSON.parse(fs.readFileSync(file, 'utf-8')) as Results;
  const final: Results = { ...recorded, targets: evaluateTargets(recorded) };
  fs.writeFileSync(file, `${JSON.stringify(final, undefined, 1)}\n`);
  fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderMarkdown(final));
  progress(`rendered BENCHMARKS.md from the results of ${recorded.generatedAt}`);
}

async function main() {
  if (process.argv.includes('--report')) {
    renderRecorded();
    return;
  }
  const started = performance.now();
  const s = settings(process.argv.slice(2));
  const loadAtStart = os.loadavg()[0];

  if (!fs.existsSync(HANDLER_FILE)) {
    progress('the handler bundle is missing: npx projen bundle:handler');
    execFileSync('npx', ['projen', 'bundle:handler'], { cwd: ROOT, stdio: 'inherit' });
  }

  const workDir = tempWorkDir();
  const codestar = await startLocalCodeStar({ transitions: { describes: IN_PROGRESS_DESCRIBES } });
  try {
    progress(`synthesis: ${s.synthRounds} rounds of N = ${s.sizes.join(', ')} (projects app) and ${s.membersOnlySizes.join(', ')}`
      + ' (members-only app) x 4 variants, one process each');
    const synth = measureSynth({
      rounds: s.synthRounds, workDir, sizes: s.sizes, membersOnlySizes: s.membersOnlySizes, keepLibraryAssemblyAt: THROUGHPUT_N,
    });

    progress('handler: bundle variants, cold load, memory, first invocation');
    const handler = await measureHandlerCost({ runs: s.loadRuns, workDir, codeStarUrl: codestar.url });

    progress('lifecycle: API calls per operation');
    const serviceTimeoutRejected = await handlerRejectsServiceTimeout(codestar, workDir);
    if (serviceTimeoutRejected) {
      progress(`the handler rejects ServiceTimeout; measuring with it removed from the templates (${serviceTimeoutRejected})`);
    }
    const stripServiceTimeout = serviceTimeoutRejected !== undefined;
    const operations = await measureOperations({ codestar, repetitions: s.lifecycleRepetitions, workDir, stripServiceTimeout });

    if (!synth.keptAssembly) {
      throw new Error(`no synthesized library app of N=${THROUGHPUT_N} for the throughput section`);
    }
    progress(`throughput: deploy and destroy N=${THROUGHPUT_N}`);
    // Projects complete at once here: the function's own wait between DescribeProject calls is not the tooling's cost.
    const instant = await startLocalCodeStar({ transitions: { describes: 0 } });
    const throughput = await measureThroughput({
      codestar: instant, repetitions: s.throughputRepetitions, workDir, stripServiceTimeout, assemblyDir: synth.keptAssembly.dir, n: THROUGHPUT_N,
    }).finally(() => instant.close());

    const cpus = os.cpus();
    const results: Results = {
      generatedAt: new Date().toISOString(),
      durationMs: performance.now() - started,
      quick: s.quick,
      machine: {
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpuModel: cpus[0]?.model ?? 'unknown',
        cpus: cpus.length,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg()[0],
      },
      settings: s,
      synth: { ...synth, keptAssembly: undefined },
      handler,
      api: { inProgressDescribes: IN_PROGRESS_DESCRIBES, serviceTimeoutRejected, operations },
      throughput,
      targets: [],
    };
    const final: Results = { ...results, targets: evaluateTargets(results) };
    fs.writeFileSync(path.join(ROOT, 'benchmarks', 'results.json'), `${JSON.stringify(final, undefined, 1)}\n`);
    fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderMarkdown(final));
    const met = final.targets.filter(t => t.met).length;
    progress(`done in ${(final.durationMs / 1000).toFixed(0)} s: ${met}/${final.targets.length} targets met; wrote BENCHMARKS.md and benchmarks/results.json`);
    for (const t of final.targets) {
      process.stdout.write(`${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.measured}\n`);
    }
  } finally {
    await codestar.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch(e => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
