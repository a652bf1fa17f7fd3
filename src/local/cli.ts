#!/usr/bin/env node
import { LocalCodeStar, startLocalCodeStar } from './endpoint';
import { accountArgument, countArgument, parseCommandLine } from '../cli/arguments';
import { UsageError } from '../cli/errors';
import { processIo } from '../cli/io';

export const DEFAULT_PORT = 4567;

/** The usage text, for the program name it is run as. */
export function usage(program: string): string {
  return `Usage: ${program} [options]

A local AWS CodeStar endpoint (JSON 1.1 protocol, all 18 operations, validated against the API
model). Point the AWS SDK at it with AWS_ENDPOINT_URL_CODESTAR=http://127.0.0.1:<port>.
Any credentials are accepted; nothing leaves this machine. Stop it with Ctrl-C (SIGINT) or SIGTERM.

Options:
  --port <port>         port on 127.0.0.1, 0 for any free port      (default: ${DEFAULT_PORT})
  --region <region>     region in the ARNs it makes                   (default: us-east-1)
  --account <account>   12-digit account in the ARNs it makes         (default: 123456789012)
  --caller <user-arn>   IAM user taken as the caller, made Owner of new projects
                                                  (default: arn:aws:iam::<account>:user/local-admin)
  --describes <n>       DescribeProject calls that still see a project being created or deleted
                                                                     (default: 1)
  --state <file>        keep the account in this JSON file: loaded at start when it exists,
                        written after every call, so it survives a restart; it may be written
                        by hand to describe an existing account (it holds personal data)
                                                                     (default: in memory only)
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;
}

export const USAGE = usage('cdk-codestar-local');

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface CliHandle {
  readonly endpoint: LocalCodeStar;
  /** Resolves once the endpoint has stopped (after SIGINT/SIGTERM or `stop()`). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

export { UsageError };

interface CliOptions {
  readonly help: boolean;
  readonly port: number;
  readonly region?: string;
  readonly account?: string;
  readonly caller?: string;
  readonly describes?: number;
  readonly stateFile?: string;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const parsed = parseCommandLine(argv, {
    options: {
      help: { type: 'boolean', short: 'h' },
      debug: { type: 'boolean' },
      port: { type: 'string' },
      region: { type: 'string' },
      account: { type: 'string' },
      caller: { type: 'string' },
      describes: { type: 'string' },
      state: { type: 'string' },
    },
    allowPositionals: false,
  });
  const values = parsed.values as Record<string, string | undefined> & { help?: boolean };
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer 0..65535, got ${values.port}`);
  }
  return {
    help: values.help === true,
    port,
    region: values.region,
    account: accountArgument(values.account),
    caller: values.caller,
    describes: countArgument('describes', values.describes),
    stateFile: values.state,
  };
}

/**
 * Starts the endpoint, prints `cdk-codestar-local listening on <url>`, and stops it cleanly on
 * SIGINT/SIGTERM. Returns undefined for `--help`; throws UsageError for bad arguments.
 */
export async function main(argv: readonly string[], io: CliIo = processIo(), program = 'cdk-codestar-local'): Promise<CliHandle | undefined> {
  const options = parseArgs(argv);
  if (options.help) {
    io.out(usage(program));
    return undefined;
  }
  const endpoint = await startLocalCodeStar({
    port: options.port,
    region: options.region,
    account: options.account,
    callerUserArn: options.caller,
    transitions: options.describes === undefined ? undefined : { describes: options.describes },
    stateFile: options.stateFile,
  });
  io.out(`${program} listening on ${endpoint.url}`);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>(resolve => { resolveStopped = resolve; });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await endpoint.close();
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = () => { void stop(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { endpoint, stopped, stop };
}

if (require.main === module) {
  const io = processIo();
  main(process.argv.slice(2), io).catch((e: unknown) => {
    if (e instanceof UsageError) {
      io.err(`cdk-codestar-local: ${e.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      io.err(`cdk-codestar-local: ${(e as Error)?.message ?? String(e)}`);
      process.exitCode = 1;
    }
  });
}
