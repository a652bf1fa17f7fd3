import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { CreateProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codestar';
import { codeStarClient } from './helpers';
import { DEFAULT_PORT, main, parseArgs, USAGE, UsageError } from '../../src/local/cli';

const LISTENING = /^cdk-codestar-local listening on (http:\/\/127\.0\.0\.1:(\d+))$/;

describe('main', () => {
  test('prints exactly one line with the URL, serves the SDK, and stops', async () => {
    const lines: string[] = [];
    const handle = await main(['--port', '0', '--region', 'eu-west-1', '--account', '210987654321'], { out: l => lines.push(l), err: l => lines.push(l) });
    expect(handle).toBeDefined();
    expect(lines).toHaveLength(1);
    const [, url, port] = LISTENING.exec(lines[0])!;
    expect(Number(port)).toBe(handle!.endpoint.port);

    const client = codeStarClient(url);
    try {
      const created = await client.send(new CreateProjectCommand({ id: 'cli', name: 'CLI' }));
      expect(created.arn).toBe('arn:aws:codestar:eu-west-1:210987654321:project/cli');
    } finally {
      client.destroy();
    }
    await handle!.stop();
    await handle!.stopped;
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  test('--help prints the usage and starts nothing', async () => {
    const lines: string[] = [];
    expect(await main(['--help'], { out: l => lines.push(l), err: l => lines.push(l) })).toBeUndefined();
    expect(lines).toEqual([USAGE]);
    expect(USAGE).toContain(`(default: ${DEFAULT_PORT})`);
  });

  test.each([
    [['--port', 'x'], /--port must be an integer/],
    [['--port'], /Option '--port <value>' argument missing/],
    [['--account', '12'], /--account must be 12 digits/],
    [['--describes', '-1'], /--describes/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('defaults and --flag=value', () => {
    expect(parseArgs([])).toMatchObject({ port: DEFAULT_PORT, help: false });
    expect(parseArgs(['--port=0', '--describes=0', '--state=account.json'])).toMatchObject({ port: 0, describes: 0, stateFile: 'account.json' });
  });
});

describe('the bin, as a process', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
    }
  });

  test('starts, answers one SDK call, and exits cleanly on SIGTERM', async () => {
    const root = path.join(__dirname, '..', '..');
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'local', 'cli.ts'), '--port', '0'], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>(resolve => child!.once('exit', code => resolve(code)));
    const lines = readline.createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child!.once('exit', code => reject(new Error(`exited with ${code} before listening`)));
    });
    const match = LISTENING.exec(first);
    expect(match).not.toBeNull();

    const client = codeStarClient(match![1]);
    try {
      expect((await client.send(new ListProjectsCommand({}))).projects).toEqual([]);
    } finally {
      client.destroy();
    }
    const more: string[] = [];
    lines.on('line', l => more.push(l));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(more).toEqual([]);
  }, 60_000);
});
