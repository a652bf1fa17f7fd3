#!/usr/bin/env node
import { LocalCodeStar, startLocalCodeStar } from './endpoint';

export const DEFAULT_PORT = 4567;

export const USAGE = `Usage: cdk-codestar-local [options]

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
  -h, --help            print this help
`;

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

export class UsageError extends Error {}

interface CliOptions {
  readonly help: boolean;
  readonly port: number;
  readonly region?: string;
  readonly account?: string;
  readonly caller?: string;
  readonly describes?: number;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!['--port', '--region', '--account', '--caller', '--describes'].includes(flag)) {
      throw new UsageError(`unknown argument: ${arg}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      throw new UsageError(`${flag} needs a value`);
    }
    values[flag.slice(2)] = value;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer 0..65535, got ${values.port}`);
  }
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) {
    throw new UsageError(`--account must be 12 digits, got ${values.account}`);
  }
  const describes = values.describes === undefined ? undefined : Number(values.describes);
  if (describes !== undefined && (!Number.isInteger(describes) || describes < 0)) {
    throw new UsageError(`--describes must be a non-negative integer, got ${values.describes}`);
  }
  return { help, port, region: values.region, account: values.account, caller: values.caller, describes };
}

/**
 * Starts the endpoint, prints `cdk-codestar-local listening on <url>`, and stops it cleanly on
 * SIGINT/SIGTERM. Returns undefined for `--help`; throws UsageError for bad arguments.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<CliHandle | undefined> {
  const options = parseArgs(argv);
  if (options.help) {
    io.out(USAGE);
    return undefined;
  }
  const endpoint = await startLocalCodeStar({
    port: options.port,
    region: options.region,
    account: options.account,
    callerUserArn: options.caller,
    transitions: options.describes === undefined ? undefined : { describes: options.describes },
  });
  io.out(`cdk-codestar-local listening on ${endpoint.url}`);

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

function defaultIo(): CliIo {
  return {
    out: line => process.stdout.write(`${line}\n`),
    err: line => process.stderr.write(`${line}\n`),
  };
}

if (require.main === module) {
  const io = defaultIo();
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
