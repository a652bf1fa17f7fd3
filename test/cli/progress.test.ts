import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './helpers';
import { CommandIo, TerminalStream } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { ERASE_LINE, LiveStatusLine, progressOutput } from '../../src/cli/progress';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { DEFAULT_HANDLER_FILE, LifecycleRunner } from '../../src/local/runner';
import { Reporter } from '../../src/local/runner/reporter';
import { AppSpec, synthesize } from '../e2e/helpers';
import { tempDir } from '../local/helpers';

jest.setTimeout(60_000);

/** A terminal that keeps every chunk written to it. */
function fakeTerminal(columns?: number): TerminalStream & { readonly chunks: string[]; readonly bytes: () => string } {
  const chunks: string[] = [];
  return { chunks, bytes: () => chunks.join(''), write: chunk => { chunks.push(chunk); }, columns: () => columns };
}

/**
 * What a terminal shows once these bytes are written: the lines scrolled by, then the line the cursor
 * is on. It knows only what the live line uses (erase the line, newline), and fails on anything else.
 */
function screen(bytes: string): { readonly lines: string[]; readonly current: string } {
  const lines: string[] = [];
  let current = '';
  for (const token of bytes.split(/(\r\x1b\[2K|\n)/)) {
    if (token === ERASE_LINE) {
      current = '';
    } else if (token === '\n') {
      lines.push(current);
      current = '';
    } else if (/[\x00-\x1f\x7f]/.test(token)) {
      throw new Error(`unexpected control character in ${JSON.stringify(token)}`);
    } else {
      current += token;
    }
  }
  return { lines, current };
}

function fakeIo(env: NodeJS.ProcessEnv, terminals: Partial<Record<'out' | 'err', TerminalStream>> = {}, cwd = '/nowhere') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    out: line => { out.push(line); },
    err: line => { err.push(line); },
    env,
    cwd,
    terminal: stream => terminals[stream],
  };
  return { io, out, err };
}

describe('the live status line', () => {
  test('is rewritten in place, erased before each normal line (and redrawn after it) and at the end', () => {
    const terminal = fakeTerminal(80);
    const live = new LiveStatusLine(terminal);

    live.status('waiting: S | Project CREATE_IN_PROGRESS, 0 s (poll 1)');
    live.status('waiting: S | Project CREATE_IN_PROGRESS, 5 s (poll 2)');
    live.line('S | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS still waiting (2 polls)');
    live.status('waiting: S | Project CREATE_IN_PROGRESS, 5 s (poll 2)');
    live.status(undefined);
    live.line('S | Project (Custom::CodeStarProject) CREATE_COMPLETE');
    live.status('S | Member CREATE_IN_PROGRESS');
    live.end();
    live.end();
    live.line('S: CREATE_COMPLETE');

    expect(terminal.chunks).toEqual([
      'waiting: S | Project CREATE_IN_PROGRESS, 0 s (poll 1)',
      '\r\x1b[2Kwaiting: S | Project CREATE_IN_PROGRESS, 5 s (poll 2)',
      '\r\x1b[2KS | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS still waiting (2 polls)\nwaiting: S | Project CREATE_IN_PROGRESS, 5 s (poll 2)',
      // the same status again writes nothing
      '\r\x1b[2K',
      'S | Project (Custom::CodeStarProject) CREATE_COMPLETE\n',
      'S | Member CREATE_IN_PROGRESS',
      '\r\x1b[2K',
      'S: CREATE_COMPLETE\n',
    ]);
    expect(screen(terminal.bytes())).toEqual({
      lines: [
        'S | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS still waiting (2 polls)',
        'S | Project (Custom::CodeStarProject) CREATE_COMPLETE',
        'S: CREATE_COMPLETE',
      ],
      current: '',
    });
  });

  test('stays one physical line: cut to the width, control characters blanked', () => {
    const terminal = fakeTerminal(12);
    const live = new LiveStatusLine(terminal);

    live.status('waiting: S | Project');
    live.status('a\nb\x1b[31mc');
    live.status('');

    expect(terminal.chunks).toEqual(['waiting: S ', '\r\x1b[2Ka b [31mc', '\r\x1b[2K']);
  });

  test('an unknown width cuts nothing', () => {
    const terminal = fakeTerminal();

    new LiveStatusLine(terminal).status('x'.repeat(500));

    expect(terminal.chunks).toEqual(['x'.repeat(500)]);
  });
});

describe('progressOutput: live on a terminal, plain lines otherwise', () => {
  test.each([
    ['stdout is a terminal', 'out', {}, ['out'], true],
    ['stderr is a terminal (--json)', 'err', {}, ['err'], true],
    ['CI=false', 'out', { CI: 'false' }, ['out'], true],
    ['only the other stream is a terminal', 'err', {}, ['out'], false],
    ['no terminal', 'out', {}, [], false],
    ['NO_COLOR', 'out', { NO_COLOR: '1' }, ['out'], false],
    ['TERM=dumb', 'out', { TERM: 'dumb' }, ['out'], false],
    ['CI=true', 'out', { CI: 'true' }, ['out'], false],
    ['CI=1', 'out', { CI: '1' }, ['out'], false],
  ] as const)('%s', (_case, stream, env, terminalStreams, live) => {
    const terminal = fakeTerminal(80);
    const { io, out, err } = fakeIo(env, Object.fromEntries(terminalStreams.map(s => [s, terminal])));

    const progress = progressOutput(io, stream);
    progress.status?.('waiting: S | Project CREATE_IN_PROGRESS, 0 s (poll 1)');
    progress.line('S: CREATE_COMPLETE');
    progress.end();

    const lines = { out, err }[stream];
    if (live) {
      expect(terminal.bytes()).toBe('waiting: S | Project CREATE_IN_PROGRESS, 0 s (poll 1)\r\x1b[2KS: CREATE_COMPLETE\nwaiting: S | Project CREATE_IN_PROGRESS, 0 s (poll 1)\r\x1b[2K');
      expect(lines).toEqual([]);
    } else {
      expect(progress.status).toBeUndefined();
      expect(terminal.chunks).toEqual([]);
      expect(lines).toEqual(['S: CREATE_COMPLETE']);
    }
  });
});

describe('the reporter\'s status', () => {
  test('follows the resource in progress, is cleared before the line that ends it, and is scrubbed', () => {
    const heard: string[] = [];
    const reporter = new Reporter(line => heard.push(`line ${line}`), text => heard.push(`status ${text}`));
    reporter.addSecrets(['Sekrit-42']);
    const event = { stackName: 'S', logicalId: 'ProjectSekrit-42', resourceType: 'Custom::CodeStarProject', simulated: false } as const;

    reporter.resource({ ...event, status: 'CREATE_IN_PROGRESS' });
    reporter.waiting('S', 'ProjectSekrit-42', 'CREATE_IN_PROGRESS', 'poll 1', 999);
    reporter.waiting('S', 'ProjectSekrit-42', 'CREATE_IN_PROGRESS', 'invocation 2', 12_345);
    reporter.status('waiting: S | ProjectSekrit-42 CREATE_IN_PROGRESS, 12 s (invocation 2)');
    reporter.resource({ ...event, status: 'CREATE_COMPLETE' });
    reporter.resource({ ...event, logicalId: 'Role', resourceType: 'AWS::IAM::Role', status: 'CREATE_COMPLETE', simulated: true });

    expect(heard).toEqual([
      'line S | ProjectSekrit-42 (Custom::CodeStarProject) CREATE_IN_PROGRESS',
      'status S | Project*** CREATE_IN_PROGRESS',
      'status waiting: S | Project*** CREATE_IN_PROGRESS, 0 s (poll 1)',
      'status waiting: S | Project*** CREATE_IN_PROGRESS, 12 s (invocation 2)',
      // the same status again is not heard; a state that is over is cleared once
      'status undefined',
      'line S | ProjectSekrit-42 (Custom::CodeStarProject) CREATE_COMPLETE',
      'line S | Role (AWS::IAM::Role) CREATE_COMPLETE (simulated)',
    ]);
  });
});

describe('against the local endpoint', () => {
  let codestar: LocalCodeStar;
  let dir: string;

  beforeAll(async () => {
    // Four DescribeProject calls see the project in progress: the function waits 0.25 + 0.5 + 1 s
    // between them, so the wait outlasts the status's one-second refresh.
    codestar = await startLocalCodeStar({ transitions: { describes: 4 } });
  });
  afterAll(async () => {
    await codestar.close();
  });
  beforeEach(() => {
    codestar.reset();
    dir = tempDir('cdk-codestar-progress-');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const app: AppSpec = { projects: [{ projectId: 'progress-app', name: 'Progress app of Alice Example', members: [] }] };
  /** Seconds vary with the machine; the polls do not. */
  const timeless = (text: string | undefined) => text?.replace(/, \d+ s \(/, ', N s (');

  test('the runner\'s status sink hears the project being created, second by second, then cleared', async () => {
    // The handler runs in this process and logs to the console.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation(() => undefined);
    }
    const statuses: Array<string | undefined> = [];
    const runner = new LifecycleRunner({
      stateFile: path.join(dir, 'state.json'),
      handler: DEFAULT_HANDLER_FILE,
      codeStarEndpoint: codestar.url,
      pollIntervalMs: 1,
      writer: () => undefined,
      status: text => statuses.push(text),
    });

    const result = await runner.deploy(synthesize(path.join(dir, 'cdk.out'), app));

    expect(result.success).toBe(true);
    const project = result.stacks[0].events.find(e => e.resourceType === 'Custom::CodeStarProject')!.logicalId;
    // The function waits for CodeStar inside its one invocation: the status is refreshed each second meanwhile.
    const heard = statuses.map(timeless).filter((text, i, all) => i === 0 || text !== all[i - 1]);
    expect(heard).toEqual([
      `E2E | ${project} CREATE_IN_PROGRESS`,
      `waiting: E2E | ${project} CREATE_IN_PROGRESS, N s (invocation 1)`,
      undefined,
    ]);
    expect(statuses.filter(text => text?.startsWith('waiting:')).length).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ['deploy', 'out', []],
    ['deploy --json', 'err', ['--json']],
  ] as const)('%s on a terminal: the live line shows the wait, the lines read as without one', async (_case, stream, flags) => {
    const assembly = synthesize(path.join(dir, 'cdk.out'), app);
    const terminal = fakeTerminal(120);
    const onTerminal = fakeIo({ AWS_ENDPOINT_URL_CODESTAR: codestar.url }, { [stream]: terminal }, dir);

    expect(await run(['deploy', assembly, '--poll-interval', '1', ...flags], onTerminal.io)).toBe(0);
    await expect(run(['destroy', '--poll-interval', '1'], fakeIo({ AWS_ENDPOINT_URL_CODESTAR: codestar.url }, {}, dir).io)).resolves.toBe(0);
    const plain = fakeIo({ AWS_ENDPOINT_URL_CODESTAR: codestar.url }, {}, dir);
    expect(await run(['deploy', assembly, '--poll-interval', '1', ...flags], plain.io)).toBe(0);

    expect(terminal.bytes()).toMatch(/\r\x1b\[2Kwaiting: E2E \| Project\w+ CREATE_IN_PROGRESS, \d+ s \(invocation 1\)/);
    expect(terminal.bytes()).not.toMatch(/Alice/);
    expect(screen(terminal.bytes())).toEqual({ lines: plain[stream], current: '' });
    expect(onTerminal[stream]).toEqual([]);
    // The other stream is untouched (with --json, stdout is the JSON alone).
    const other = stream === 'out' ? 'err' : 'out';
    expect(onTerminal[other]).toEqual(plain[other]);
  });

  test('deploy and destroy as a process without a terminal print no control characters', async () => {
    synthesize(path.join(dir, 'cdk.out'), app);
    const env = { AWS_ENDPOINT_URL_CODESTAR: codestar.url };

    const ran = [
      await runCli(dir, ['deploy', '--poll-interval', '1'], env),
      await runCli(dir, ['destroy', '--poll-interval', '1', '--json'], env),
    ];

    expect(ran.map(r => r.code)).toEqual([0, 0]);
    expect(ran[0].stdout).toMatch(/Project\w+ \(Custom::CodeStarProject\) CREATE_COMPLETE\n/);
    expect(ran[1].stderr).toMatch(/Project\w+ \(Custom::CodeStarProject\) DELETE_COMPLETE\n/);
    // The waiter did wait: the live line would have had something to show.
    expect(codestar.calls('DescribeProject').length).toBeGreaterThanOrEqual(4);
    for (const r of ran) {
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\r\x1b]/);
    }
  });
});
