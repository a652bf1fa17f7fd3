import * as path from 'node:path';
import { accountArgument, countArgument, parseCommandLine } from './arguments';
import { assemblyStacks, STATE_DIR, STATE_FILE } from './deployed';
import { CommandError, EXIT, UsageError } from './errors';
import { CommandIo } from './io';
import { progressOutput, ProgressOutput } from './progress';
import { LifecycleRunner, RunResult } from '../local/runner';

/**
 * Where the functions' log lines go, one file per function, as CloudWatch Logs would keep them:
 * never onto the command's output (the runner keeps them next to its state file).
 */
export const FUNCTION_LOGS = path.join(STATE_DIR, 'logs');

export const DEPLOY_USAGE = `Usage: cdk-codestar deploy [ASSEMBLY] [options]

Deploys the stacks of a cloud assembly (the cdk.out of your \`cdk synth\`) the way CloudFormation
would, running the library's handler for every CodeStar resource against the CodeStar endpoint of
AWS_ENDPOINT_URL_CODESTAR (start one with \`cdk-codestar local\`). Other resources are simulated.
What was deployed is kept in ${STATE_FILE}, the handler's log in ${FUNCTION_LOGS}/. Exit code 0 when every stack deployed, 1 when one
failed (and was rolled back), 2 for a wrong command line.

Arguments:
  ASSEMBLY              the cloud assembly directory                 (default: cdk.out)

Options:
  --stack <name>        deploy only this stack (repeatable)          (default: all stacks)
  --json                print the result as JSON on stdout (progress goes to stderr)
  --account <account>   account of environment-agnostic stacks       (default: 123456789012)
  --region <region>     region of environment-agnostic stacks        (default: AWS_REGION, else us-east-1)
  --poll-interval <ms>  between the waiter's checks of a project being created or deleted
                                                                     (default: 5000)
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;

export const DESTROY_USAGE = `Usage: cdk-codestar destroy [options]

Deletes the stacks that \`cdk-codestar deploy\` deployed (kept in ${STATE_FILE}), in the reverse order
of their dependencies, running the handler for every CodeStar resource against the endpoint of
AWS_ENDPOINT_URL_CODESTAR. Resources whose removal policy retains them stay. Exit code 0 when every
stack was deleted, 1 otherwise, 2 for a wrong command line.

Options:
  --stack <name>        destroy only this stack (repeatable)         (default: all deployed stacks)
  --poll-interval <ms>  between the waiter's checks of a project being deleted (default: 5000)
  --json                print the result as JSON on stdout (progress goes to stderr)
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;

interface RunnerCommandOptions {
  readonly help: boolean;
  readonly json: boolean;
  readonly stacks?: string[];
  readonly account?: string;
  readonly region?: string;
  readonly pollIntervalMs?: number;
  readonly assembly: string;
}

function parse(argv: readonly string[], withAssembly: boolean): RunnerCommandOptions {
  const parsed = parseCommandLine(argv, {
    options: {
      'help': { type: 'boolean', short: 'h' },
      'json': { type: 'boolean' },
      'debug': { type: 'boolean' },
      'stack': { type: 'string', multiple: true },
      'poll-interval': { type: 'string' },
      ...(withAssembly ? { account: { type: 'string' }, region: { type: 'string' } } as const : {}),
    },
    allowPositionals: withAssembly,
  });
  const values = parsed.values as { 'help'?: boolean; 'json'?: boolean; 'stack'?: string[]; 'account'?: string; 'region'?: string; 'poll-interval'?: string };
  if (parsed.positionals.length > 1) {
    throw new UsageError(`one assembly directory at most, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  return {
    help: values.help === true,
    pollIntervalMs: countArgument('poll-interval', values['poll-interval'], 'milliseconds'),
    json: values.json === true,
    stacks: values.stack,
    account: accountArgument(values.account),
    region: values.region,
    assembly: parsed.positionals[0] ?? 'cdk.out',
  };
}

/** `cdk-codestar deploy`: answers the exit code. */
export async function deployCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const options = parse(argv, true);
  if (options.help) {
    io.out(DEPLOY_USAGE);
    return EXIT.ok;
  }
  assemblyStacks(io, options.assembly, options.stacks);
  const assembly = path.resolve(io.cwd, options.assembly);
  return runCommand(options, io, runner => runner.deploy(assembly, { stacks: options.stacks }));
}

/** `cdk-codestar destroy`: answers the exit code. */
export async function destroyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const options = parse(argv, false);
  if (options.help) {
    io.out(DESTROY_USAGE);
    return EXIT.ok;
  }
  return runCommand(options, io, runner => runner.destroy({ stacks: options.stacks }));
}

/** Runs the runner's work with its progress on the command's progress stream, then reports. */
async function runCommand(options: RunnerCommandOptions, io: CommandIo, work: (runner: LifecycleRunner) => Promise<RunResult>): Promise<number> {
  // With --json, stdout holds the JSON alone.
  const progress = progressOutput(io, options.json ? 'err' : 'out');
  const runner = runnerFor(options, io, progress);
  let result: RunResult;
  try {
    result = await work(runner);
  } finally {
    progress.end();
  }
  return report(result, options, io);
}

function runnerFor(options: RunnerCommandOptions, io: CommandIo, progress: ProgressOutput): LifecycleRunner {
  const endpoint = io.env.AWS_ENDPOINT_URL_CODESTAR;
  if (!endpoint) {
    // The runner gives the handler fake credentials: without an endpoint it could only fail against AWS.
    throw new CommandError('AWS_ENDPOINT_URL_CODESTAR is not set: the runner deploys to a CodeStar endpoint such as the local one '
      + '(`cdk-codestar local`, then AWS_ENDPOINT_URL_CODESTAR=http://127.0.0.1:4567)');
  }
  return new LifecycleRunner({
    stateFile: path.join(io.cwd, STATE_FILE),
    codeStarEndpoint: endpoint,
    account: options.account,
    region: options.region ?? io.env.AWS_REGION ?? undefined,
    pollIntervalMs: options.pollIntervalMs,
    writer: progress.line,
    status: progress.status,
  });
}

function report(result: RunResult, options: RunnerCommandOptions, io: CommandIo): number {
  if (options.json) {
    io.out(JSON.stringify({
      success: result.success,
      stacks: result.stacks.map(s => ({
        stackName: s.stackName,
        status: s.status,
        noChanges: s.noChanges,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
        outputs: s.outputs,
        warnings: s.warnings,
      })),
    }, undefined, 2));
  }
  if (!result.success) {
    io.err(`the handler's log: ${FUNCTION_LOGS}/`);
  }
  return result.success ? EXIT.ok : EXIT.failed;
}
