import { randomUUID } from 'node:crypto';
import { loadModel } from './model';
import { formatViolations, validateMembers } from './shapes';

/** `State` in the model. */
export type ProjectState =
  | 'CreateInProgress' | 'CreateComplete' | 'CreateFailed'
  | 'DeleteInProgress' | 'DeleteComplete' | 'DeleteFailed'
  | 'UpdateInProgress' | 'UpdateComplete' | 'UpdateFailed' | 'Unknown';

export interface ProjectRecord {
  readonly id: string;
  name: string;
  description?: string;
  readonly arn: string;
  readonly stackId: string;
  readonly projectTemplateId: string;
  readonly clientRequestToken?: string;
  readonly createdTimeStamp: Date;
  status: { state: ProjectState; reason?: string };
  tags: Record<string, string>;
  /** What CreateProject was given, sensitive members masked. */
  readonly sourceCode?: unknown;
  readonly toolchain?: unknown;
  /** Fake resource ARNs answered by ListResources. */
  readonly resources: string[];
  /** `deleteStack` of the DeleteProject call, once deleted. */
  deleteStack?: boolean;
}

export interface TeamMemberRecord {
  readonly userArn: string;
  projectRole: string;
  remoteAccessAllowed: boolean;
  readonly clientRequestToken?: string;
}

export interface UserProfileRecord {
  readonly userArn: string;
  displayName: string;
  emailAddress: string;
  sshPublicKey?: string;
  readonly createdTimestamp: Date;
  lastModifiedTimestamp: Date;
}

/** How asynchronous project transitions (create, delete) complete. */
export interface TransitionOptions {
  /**
   * DescribeProject calls that still see the in-progress state; the next one sees the final state.
   * Ignored when `delayMs` is set.
   * @default 1
   */
  readonly describes?: number;
  /** Complete after this much wall-clock time instead of a number of describes. */
  readonly delayMs?: number;
}

interface Pending {
  readonly to: 'CreateComplete' | 'CreateFailed' | 'gone';
  readonly reason?: string;
  describesLeft: number;
  readonly readyAt?: number;
}

interface ProjectEntry {
  readonly project: ProjectRecord;
  readonly members: Map<string, TeamMemberRecord>;
  pending?: Pending;
}

export interface SeedProject {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly state?: ProjectState;
  readonly reason?: string;
  readonly clientRequestToken?: string;
  readonly tags?: Record<string, string>;
  /** An Owner team member added with the project. @default the endpoint's caller; `null` for none */
  readonly owner?: string | null;
  /** @default now */
  readonly createdTimeStamp?: Date;
}

export interface SeedTeamMember {
  readonly userArn: string;
  readonly projectRole: string;
  readonly remoteAccessAllowed?: boolean;
  readonly clientRequestToken?: string;
}

export interface SeedUserProfile {
  readonly userArn: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
}

export interface StoreContext {
  readonly region: string;
  readonly account: string;
  readonly callerUserArn: string;
  readonly now: () => Date;
  readonly transitions: TransitionOptions;
  readonly resourcesPerProject: number;
}

/** The endpoint's in-memory account: projects (with their team members) and user profiles. */
export class CodeStarStore {
  private readonly projectEntries = new Map<string, ProjectEntry>();
  private readonly profiles = new Map<string, UserProfileRecord>();
  private readonly failures = new Map<string, string>();

  constructor(private readonly ctx: StoreContext, private readonly failProjects: Record<string, string> = {}) {
    for (const [id, reason] of Object.entries(failProjects)) {
      this.failures.set(id, reason);
    }
  }

  // ---- projects -------------------------------------------------------------------------------

  public newProject(input: {
    id: string;
    name: string;
    description?: string;
    clientRequestToken?: string;
    tags?: Record<string, string>;
    sourceCode?: unknown;
    toolchain?: unknown;
    state: ProjectState;
    reason?: string;
    owner: string | null;
    asynchronous: boolean;
    createdTimeStamp?: Date;
  }): ProjectRecord {
    const { region, account } = this.ctx;
    const project: ProjectRecord = {
      id: input.id,
      name: input.name,
      description: input.description,
      arn: `arn:aws:codestar:${region}:${account}:project/${input.id}`,
      stackId: `arn:aws:cloudformation:${region}:${account}:stack/awscodestar-${input.id}/${randomUUID()}`,
      projectTemplateId: templateIdFor(region, input.sourceCode),
      clientRequestToken: input.clientRequestToken,
      createdTimeStamp: input.createdTimeStamp ?? this.ctx.now(),
      status: { state: input.state, reason: input.reason },
      tags: { ...input.tags },
      sourceCode: input.sourceCode,
      toolchain: input.toolchain,
      resources: fakeResources(region, account, input.id, this.ctx.resourcesPerProject),
    };
    const entry: ProjectEntry = { project, members: new Map() };
    if (input.owner) {
      entry.members.set(input.owner, { userArn: input.owner, projectRole: 'Owner', remoteAccessAllowed: false });
    }
    if (input.asynchronous) {
      const reason = this.failures.get(input.id);
      entry.pending = this.pending(reason === undefined ? 'CreateComplete' : 'CreateFailed', reason);
    }
    this.projectEntries.set(input.id, entry);
    return project;
  }

  /** The project as a reader sees it now (time-based transitions applied), or undefined if gone. */
  public project(id: string): ProjectRecord | undefined {
    const entry = this.projectEntries.get(id);
    if (entry) {
      this.advance(id, entry, false);
    }
    return this.projectEntries.get(id)?.project;
  }

  /** DescribeProject's view: counts as one poll for describe-driven transitions. */
  public describeProject(id: string): ProjectRecord | undefined {
    const entry = this.projectEntries.get(id);
    if (entry) {
      this.advance(id, entry, true);
    }
    return this.projectEntries.get(id)?.project;
  }

  public allProjects(): ProjectRecord[] {
    return [...this.projectEntries.keys()].map(id => this.project(id)).filter((p): p is ProjectRecord => p !== undefined);
  }

  public startDelete(id: string, deleteStack: boolean): void {
    const entry = this.projectEntries.get(id);
    if (!entry || entry.project.status.state === 'DeleteInProgress') {
      return;
    }
    entry.project.status = { state: 'DeleteInProgress' };
    entry.project.deleteStack = deleteStack;
    entry.pending = this.pending('gone');
    this.advance(id, entry, false);
  }

  public setStatus(id: string, state: ProjectState, reason?: string): void {
    const entry = this.requireEntry(id);
    entry.project.status = { state, reason };
    entry.pending = undefined;
  }

  public failCreation(id: string, reason: string | undefined): void {
    if (reason === undefined) {
      this.failures.delete(id);
    } else {
      this.failures.set(id, reason);
    }
  }

  // ---- team members ---------------------------------------------------------------------------

  public members(projectId: string): Map<string, TeamMemberRecord> | undefined {
    return this.project(projectId) ? this.projectEntries.get(projectId)!.members : undefined;
  }

  // ---- user profiles --------------------------------------------------------------------------

  public profile(userArn: string): UserProfileRecord | undefined {
    return this.profiles.get(userArn);
  }

  public allProfiles(): UserProfileRecord[] {
    return [...this.profiles.values()];
  }

  public putProfile(profile: UserProfileRecord): void {
    this.profiles.set(profile.userArn, profile);
  }

  public deleteProfile(userArn: string): void {
    this.profiles.delete(userArn);
  }

  // ---- seeding (validated against the model, so seeded data is data the API could hold) -------

  public seedProject(seed: SeedProject): ProjectRecord {
    const name = seed.name ?? seed.id;
    check('CreateProject', { id: seed.id, name, description: seed.description, clientRequestToken: seed.clientRequestToken, tags: seed.tags });
    if (this.projectEntries.has(seed.id)) {
      throw new Error(`project ${seed.id} already exists`);
    }
    const owner = seed.owner === undefined ? this.ctx.callerUserArn : seed.owner;
    if (owner) {
      check('AssociateTeamMember', { projectId: seed.id, userArn: owner, projectRole: 'Owner' });
    }
    return this.newProject({
      ...seed, name, state: seed.state ?? 'CreateComplete', owner, asynchronous: false,
    });
  }

  public seedTeamMember(projectId: string, seed: SeedTeamMember): TeamMemberRecord {
    check('AssociateTeamMember', { projectId, ...seed });
    const members = this.requireEntry(projectId).members;
    const member = { remoteAccessAllowed: false, ...seed };
    members.set(seed.userArn, member);
    return member;
  }

  public seedUserProfile(seed: SeedUserProfile): UserProfileRecord {
    check('CreateUserProfile', seed);
    const now = this.ctx.now();
    const profile = { ...seed, createdTimestamp: now, lastModifiedTimestamp: now };
    this.profiles.set(seed.userArn, profile);
    return profile;
  }

  /** Empties the account; project creations fail again only as the endpoint's options say. */
  public clear(): void {
    this.projectEntries.clear();
    this.profiles.clear();
    this.failures.clear();
    for (const [id, reason] of Object.entries(this.failProjects)) {
      this.failures.set(id, reason);
    }
  }

  // ---- transitions ----------------------------------------------------------------------------

  private pending(to: Pending['to'], reason?: string): Pending {
    const { describes = 1, delayMs } = this.ctx.transitions;
    return {
      to,
      reason,
      describesLeft: describes,
      readyAt: delayMs === undefined ? undefined : this.ctx.now().getTime() + delayMs,
    };
  }

  private advance(id: string, entry: ProjectEntry, isDescribe: boolean): void {
    const pending = entry.pending;
    if (!pending) {
      return;
    }
    let ready: boolean;
    if (pending.readyAt !== undefined) {
      ready = this.ctx.now().getTime() >= pending.readyAt;
    } else if (pending.describesLeft <= 0) {
      ready = true;
    } else {
      ready = false;
      if (isDescribe) {
        pending.describesLeft--;
      }
    }
    if (!ready) {
      return;
    }
    entry.pending = undefined;
    if (pending.to === 'gone') {
      this.projectEntries.delete(id);
    } else {
      entry.project.status = { state: pending.to, reason: pending.reason };
    }
  }

  private requireEntry(id: string): ProjectEntry {
    const entry = this.projectEntries.get(id);
    if (!entry) {
      throw new Error(`no project ${id}`);
    }
    return entry;
  }
}

function check(operation: 'CreateProject' | 'AssociateTeamMember' | 'CreateUserProfile', input: object): void {
  const violations = validateMembers(input, loadModel().operations[operation].input);
  if (violations.length > 0) {
    throw new Error(`invalid seed for ${operation}: ${formatViolations(violations)}`);
  }
}

function templateIdFor(region: string, sourceCode: unknown): string {
  const destination = Array.isArray(sourceCode) ? sourceCode[0]?.destination : undefined;
  const kind = destination?.gitHub ? 'github' : destination?.codeCommit ? 'codecommit' : undefined;
  return kind
    ? `arn:aws:codestar:${region}::project-template/${kind}/custom-project`
    : `arn:aws:codestar:${region}::project-template/empty-project`;
}

function fakeResources(region: string, account: string, id: string, count: number): string[] {
  const all = [
    `arn:aws:codecommit:${region}:${account}:${id}`,
    `arn:aws:codepipeline:${region}:${account}:${id}-Pipeline`,
    `arn:aws:codebuild:${region}:${account}:project/${id}`,
    `arn:aws:iam::${account}:role/CodeStarWorker-${id}-ToolChain`,
    `arn:aws:s3:::aws-codestar-${region}-${account}-${id}-pipe`,
    `arn:aws:lambda:${region}:${account}:function:awscodestar-${id}-lambda-HelloWorld`,
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(i < all.length ? all[i] : `arn:aws:ssm:${region}:${account}:parameter/${id}/resource-${i}`);
  }
  return out;
}
