import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { accountOf, loadAccount, readAccountFile, writeAccountFile } from './account-file';
import { COMMON_ERRORS, errorStatus, ServiceError } from './errors';
import { FaultInjector, FaultKind, FaultSpec } from './faults';
import { CodeStarModel, CodeStarOperation, isOperation, loadModel, MUTATING_OPERATIONS } from './model';
import { OPERATION_HANDLERS, OperationContext } from './operations';
import { Paginator } from './pagination';
import { formatViolations, isPlainObject, redactSensitive, shapeOutput, validateMembers } from './shapes';
import {
  CodeStarStore, ProjectRecord, ProjectState, SeedProject, SeedTeamMember, SeedUserProfile,
  TeamMemberRecord, TransitionOptions, UserProfileRecord,
} from './store';

export { FaultInjector } from './faults';
export type { FaultSpec, FaultKind, FaultHandle } from './faults';
export type { ProjectRecord, ProjectState, TeamMemberRecord, UserProfileRecord, TransitionOptions, SeedProject, SeedTeamMember, SeedUserProfile } from './store';

export interface LocalCodeStarOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Region in the ARNs the endpoint makes. @default 'us-east-1' */
  readonly region?: string;
  /** Account in the ARNs the endpoint makes. @default '123456789012' */
  readonly account?: string;
  /**
   * The IAM user the caller is taken to be (signatures are not verified): CreateProject makes it the
   * project's Owner team member. @default `arn:aws:iam::<account>:user/local-admin`
   */
  readonly callerUserArn?: string;
  /** How project creation and deletion complete. @default { describes: 1 } */
  readonly transitions?: TransitionOptions;
  /** Project ids whose creation ends in CreateFailed, with the reason. @default none */
  readonly failProjects?: Record<string, string>;
  /** Faults active from the start (more can be added through `faults`). @default none */
  readonly faults?: readonly FaultSpec[];
  /** Seed of the RNG behind probabilistic faults. @default 1 */
  readonly seed?: number;
  /** Page size of List* operations when maxResults is not given. @default 100 */
  readonly pageSize?: number;
  /** Fake resources ListResources answers per project. @default 3 */
  readonly resourcesPerProject?: number;
  /** Tags per project before LimitExceededException. @default 50 */
  readonly maxTagsPerProject?: number;
  /** Team members per project before LimitExceededException. @default 100 */
  readonly maxTeamMembers?: number;
  /** Source of timestamps. @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * An account file (see account-file.ts) the account is loaded from, when it exists, and written to
   * after every call and on close, so that the account survives a restart. It holds personal data
   * (profiles). @default none: the account lives in memory only
   */
  readonly stateFile?: string;
}

/** One call as the endpoint saw it. */
export interface CallRecord {
  /** 1-based arrival order. */
  readonly seq: number;
  /** The operation, or the raw `X-Amz-Target` when it names none. */
  readonly operation: string;
  /** The request body with every sensitive member masked as `***`. */
  readonly input: Record<string, unknown>;
  /** HTTP status answered; 0 for a hung call; for a lost response, the status of the answer never delivered. */
  readonly status: number;
  /** Error name, when the call failed. */
  readonly error?: string;
  /** The injected fault that decided the answer, if any. */
  readonly fault?: FaultKind;
  /** The call was applied but its answer was never delivered (fault `lostResponse`): the connection was reset. */
  readonly lost?: boolean;
}

/** Seeding and inspection of the endpoint's account. Everything read is a copy. */
export interface LocalCodeStarState {
  /** A project as if created earlier (default state CreateComplete, the caller as its Owner). */
  seedProject(seed: SeedProject): ProjectRecord;
  seedTeamMember(projectId: string, member: SeedTeamMember): TeamMemberRecord;
  /** A user profile that someone else created. */
  seedUserProfile(profile: SeedUserProfile): UserProfileRecord;
  /** Future creations of this project id end in CreateFailed with the reason; `undefined` clears it. */
  failProjectCreation(projectId: string, reason?: string): void;
  /** Forces a project's status (and cancels any pending transition). */
  setProjectStatus(projectId: string, state: ProjectState, reason?: string): void;
  projects(): ProjectRecord[];
  project(projectId: string): ProjectRecord | undefined;
  teamMembers(projectId: string): TeamMemberRecord[];
  userProfiles(): UserProfileRecord[];
  userProfile(userArn: string): UserProfileRecord | undefined;
}

export interface LocalCodeStar {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or `AWS_ENDPOINT_URL_CODESTAR`. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly account: string;
  readonly callerUserArn: string;
  readonly state: LocalCodeStarState;
  readonly faults: FaultInjector;
  /** Calls so far, optionally of one operation. */
  calls(operation?: string): CallRecord[];
  /** Successful calls of operations that change state (lost responses included: their effects stay). */
  mutatingCalls(): CallRecord[];
  clearCalls(): void;
  /**
   * Empties the account, the call log and the faults (the RNG is reseeded), and forgets the
   * failures set with `state.failProjectCreation` (the `failProjects` option stays).
   */
  reset(): void;
  /** Stops listening and drops open connections, hung ones included. */
  close(): Promise<void>;
}

/** Starts a CodeStar endpoint (JSON 1.1, `X-Amz-Target: CodeStar_20170419.<Operation>`) on 127.0.0.1. */
export async function startLocalCodeStar(options: LocalCodeStarOptions = {}): Promise<LocalCodeStar> {
  const model = loadModel();
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const callerUserArn = options.callerUserArn ?? `arn:aws:iam::${account}:user/local-admin`;
  const now = options.clock ?? (() => new Date());
  const store = new CodeStarStore({
    region,
    account,
    callerUserArn,
    now,
    transitions: options.transitions ?? {},
    resourcesPerProject: options.resourcesPerProject ?? 3,
  }, options.failProjects);
  const faults = new FaultInjector(options.seed ?? 1);
  options.faults?.forEach(f => faults.add(f));
  const ctx: OperationContext = {
    store,
    paginator: new Paginator(options.pageSize ?? 100),
    callerUserArn,
    now,
    maxTagsPerProject: options.maxTagsPerProject ?? 50,
    maxTeamMembers: options.maxTeamMembers ?? 100,
  };
  const log: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Writes the account file, once the account is loaded. */
  let persist = () => {};

  const server = http.createServer((req, res) => {
    handle(req, res).catch(e => send(res, 500, 'InternalFailure', String(e?.message ?? e)));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(`${model.targetPrefix}.`) ? target.slice(model.targetPrefix.length + 1) : '';
    const record = (status: number, input: Record<string, unknown>, error?: string, fault?: FaultKind) => {
      log.push({
        seq: log.length + 1,
        operation: operation || target || '(none)',
        input,
        status,
        ...(error === undefined ? {} : { error }),
        ...(fault === undefined ? {} : { fault }),
        ...(fault === 'lostResponse' ? { lost: true } : {}),
      });
    };

    if (req.method !== 'POST' || !isOperation(operation)) {
      record(400, {}, 'UnknownOperationException');
      send(res, 400, 'UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
      return;
    }
    const spec = model.operations[operation];
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      input = undefined;
    }
    if (!isPlainObject(input)) {
      record(400, {}, 'SerializationException');
      send(res, 400, 'SerializationException', 'The request body is not a JSON object.');
      return;
    }
    const logged = redactSensitive(input, spec.input) as Record<string, unknown>;

    const decision = faults.decide(operation);
    if (decision.latencyMs > 0) {
      await sleep(decision.latencyMs);
    }
    if (decision.hang) {
      record(0, logged, undefined, 'hang');
      return; // never answered; close() drops the connection
    }
    if (decision.error) {
      const status = errorStatus(model, decision.error.name);
      record(status, logged, decision.error.name, decision.error.kind);
      send(res, status, decision.error.name, decision.error.message);
      return;
    }

    const lost = decision.lostResponse ? 'lostResponse' as const : undefined;
    try {
      const output = invoke(model, operation, input);
      record(200, logged, undefined, lost);
      answer(res, lost, 200, undefined, JSON.stringify(output));
    } catch (e) {
      const error = asServiceError(model, operation, e);
      const status = errorStatus(model, error.errorName);
      record(status, logged, error.errorName, lost);
      answer(res, lost, status, error.errorName, error.message);
    }
    // Reads too: a describe may complete a creation.
    persist();
  }

  /** Sends the answer, or (for a lost response) resets the connection without a byte of it. */
  function answer(res: http.ServerResponse, lost: FaultKind | undefined, status: number, errorName: string | undefined, text: string): void {
    if (lost) {
      res.socket?.destroy();
      return;
    }
    send(res, status, errorName, text);
  }

  function invoke(m: CodeStarModel, operation: CodeStarOperation, input: Record<string, unknown>): Record<string, unknown> {
    const spec = m.operations[operation];
    const violations = validateMembers(input, spec.input);
    if (violations.length > 0) {
      throw new ServiceError('ValidationException', formatViolations(violations));
    }
    const output = shapeOutput(OPERATION_HANDLERS[operation](input, ctx), spec.output);
    const wrong = validateMembers(output, spec.output);
    if (wrong.length > 0) {
      throw new ServiceError('InternalFailure', `local endpoint produced an invalid ${operation} response: ${formatViolations(wrong)}`);
    }
    return output;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const copy = <T>(v: T): T => structuredClone(v);

  const state: LocalCodeStarState = {
    seedProject: seed => copy(store.seedProject(seed)),
    seedTeamMember: (projectId, member) => copy(store.seedTeamMember(projectId, member)),
    seedUserProfile: profile => copy(store.seedUserProfile(profile)),
    failProjectCreation: (projectId, reason) => store.failCreation(projectId, reason),
    setProjectStatus: (projectId, s, reason) => store.setStatus(projectId, s, reason),
    projects: () => copy(store.allProjects()),
    project: id => copy(store.project(id)),
    teamMembers: id => copy([...(store.members(id)?.values() ?? [])]),
    userProfiles: () => copy(store.allProfiles()),
    userProfile: arn => copy(store.profile(arn)),
  };
  const stateFile = options.stateFile;
  if (stateFile !== undefined) {
    try {
      if (fs.existsSync(stateFile)) {
        loadAccount(state, readAccountFile(stateFile), stateFile);
      }
      writeAccountFile(stateFile, accountOf(state));
    } catch (e) {
      await new Promise<void>(resolve => server.close(() => resolve()));
      throw e;
    }
    persist = () => writeAccountFile(stateFile, accountOf(state));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    region,
    account,
    callerUserArn,
    state,
    faults,
    calls: operation => log.filter(c => operation === undefined || c.operation === operation).map(copy),
    mutatingCalls: () => log.filter(c => c.status === 200 && isOperation(c.operation) && MUTATING_OPERATIONS.has(c.operation)).map(copy),
    clearCalls: () => { log.length = 0; },
    reset: () => {
      store.clear();
      faults.clear();
      log.length = 0;
    },
    close: () => new Promise<void>(resolve => {
      persist();
      timers.forEach(t => clearTimeout(t));
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Errors a handler may raise are the ones the model lists for the operation (or the common ones);
 * anything else is a bug in this endpoint, answered as InternalFailure so tests notice.
 */
function asServiceError(model: CodeStarModel, operation: CodeStarOperation, e: unknown): ServiceError {
  if (e instanceof ServiceError) {
    if (model.operations[operation].errors.includes(e.errorName) || e.errorName in COMMON_ERRORS) {
      return e;
    }
    return new ServiceError('InternalFailure', `local endpoint bug: ${e.errorName} is not modelled for ${operation}: ${e.message}`);
  }
  return new ServiceError('InternalFailure', `local endpoint bug: ${(e as Error)?.message ?? String(e)}`);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', reject);
  });
}

/** Writes a JSON 1.1 response; with `errorName`, an AWS error (`x-amzn-errortype`, `__type`). */
function send(res: http.ServerResponse, status: number, errorName: string | undefined, text: string): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  const body = errorName === undefined ? text : JSON.stringify({ __type: errorName, message: text });
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  };
  if (errorName !== undefined) {
    headers['x-amzn-errortype'] = errorName;
  }
  res.writeHead(status, headers);
  res.end(body);
}
