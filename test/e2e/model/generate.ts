import * as fc from 'fast-check';
import {
  AppVersion, FOREIGN_PROJECTS, ForeignProject, OTHER_PROJECT, PARAMETER_USER, PROJECT_SLOTS, ProjectSlot,
  USERS, VersionImport, VersionMember, VersionParameterMember, VersionProfile, VersionProject,
} from './app';
import { Deployed, memberLogicalId, memberOwner, projectOwner, World } from './expected';
import { ProjectRole } from '../../../src';
import type { ReplacementRollback } from '../../../src/local/runner';
import { userArn } from '../helpers';

/**
 * The random part of the model-based test, as fast-check arbitraries: what is seeded before a
 * sequence (the foreign resources), and per step a raw app version, a fault, a lost response and
 * which requests are delivered twice. `fitVersion` then makes each raw version fit the account the
 * model expects at that point, deterministically, so a plan replays exactly.
 */

/** Faults that fail the deployment, each on the first call of a creating or updating step (none that a Delete makes). */
export const FAILING_OPERATIONS = ['CreateProject', 'UpdateProject', 'TagProject', 'UntagProject', 'AssociateTeamMember', 'CreateUserProfile', 'UpdateUserProfile'] as const;
/** Calls whose answer may be lost: all but CreateUserProfile, which has no token (a documented limitation). */
export const LOSABLE_OPERATIONS = [
  'CreateProject', 'UpdateProject', 'TagProject', 'UntagProject', 'DeleteProject', 'DescribeProject', 'ListTagsForProject',
  'AssociateTeamMember', 'UpdateTeamMember', 'DisassociateTeamMember', 'ListTeamMembers',
  'UpdateUserProfile', 'DeleteUserProfile', 'DescribeUserProfile',
] as const;

export type Fault =
  /** A non-retryable error (ValidationException) on the `skip`+1-th call of the operation. */
  | { readonly kind: 'error'; readonly operation: typeof FAILING_OPERATIONS[number]; readonly skip: number }
  /** The creation of a project the step creates ends in CreateFailed (the `index`-th, modulo their number). */
  | { readonly kind: 'createFailed'; readonly index: number };

/** The service applies the `skip`+1-th call of the operation, and the handler never hears its answer. */
export interface LostResponse { readonly operation: typeof LOSABLE_OPERATIONS[number]; readonly skip: number }

/** Which requests the runner delivers twice (same RequestId). */
export type Redelivery = 'none' | 'all' | 'Create' | 'Update' | 'Delete';

export interface StepPlan {
  readonly version: AppVersion;
  readonly fault?: Fault;
  readonly lost?: LostResponse;
  readonly redeliver: Redelivery;
}

export interface SeededMember { readonly user: string; readonly role: ProjectRole; readonly remoteAccessAllowed: boolean }
export interface SeededProfile { readonly user: string; readonly displayName: string; readonly emailAddress: string; readonly sshPublicKey?: string }

/** The foreign resources seeded before a sequence, besides the two foreign projects. */
export interface SeedPlan {
  readonly members: Readonly<Record<ForeignProject, readonly SeededMember[]>>;
  readonly profiles: readonly SeededProfile[];
}

export interface SequencePlan {
  readonly seed: SeedPlan;
  readonly replacementRollback: ReplacementRollback;
  readonly steps: readonly StepPlan[];
}

const role = fc.constantFrom(ProjectRole.OWNER, ProjectRole.CONTRIBUTOR, ProjectRole.VIEWER);
const sometimes = (p: number) => fc.integer({ min: 0, max: 99 }).map(x => x < p * 100);
/** The arbitrary's value with chance p (in hundredths), else undefined. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | undefined> => fc.oneof(
  { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(undefined) },
  { weight: Math.round(p * 100), arbitrary },
);

/** A subset of `items`, in their order. */
function subsetOf<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.subarray([...items]);
}

function membersOf(users: readonly string[]): fc.Arbitrary<VersionMember[]> {
  return subsetOf(users).chain(chosen => fc.tuple(...chosen.map(user => fc.record({
    user: fc.constant(user), role, remoteAccessAllowed: sometimes(0.2), retain: sometimes(0.25),
  })))).map(ms => [...ms]);
}

const projectFields = {
  name: fc.constantFrom('Alpha', 'Beta'),
  description: fc.constantFrom(undefined, 'First description', 'Second description'),
  tags: fc.constantFrom<Record<string, string>>({}, { team: 'blue' }, { team: 'red', env: 'dev' }),
};

function ownProject(slot: ProjectSlot): fc.Arbitrary<VersionProject> {
  return fc.record({
    key: fc.constant(slot),
    projectId: fc.constantFrom(...PROJECT_SLOTS[slot]),
    ...projectFields,
    retain: sometimes(0.3),
    adopt: fc.constant(false),
    members: membersOf(USERS),
  }).map(p => withoutUndefined(p));
}

/** The other stack's project: not in the app, imported, adopted, or declared without adopt (`Claim`). */
const otherProject: fc.Arbitrary<{ project?: VersionProject; import?: VersionImport }> = fc.oneof(
  fc.constant({}),
  membersOf(USERS).map(ms => ({ import: { projectId: OTHER_PROJECT as ForeignProject, members: ms } })),
  fc.record({ key: fc.constantFrom('Adopt' as const, 'Adopt' as const, 'Claim' as const), ...projectFields, retain: sometimes(0.5), members: membersOf(USERS) })
    .map(p => ({ project: withoutUndefined({ ...p, projectId: OTHER_PROJECT, adopt: p.key === 'Adopt' }) })),
);

/** Mostly the same fields, so that a declared profile often meets an identical foreign one (used, not a conflict). */
const profileFieldsOf = (user: string) => ({
  displayName: fc.constantFrom('Pat Example', 'Pat Example', 'Pat E.'),
  emailAddress: fc.constantFrom(`${user}@example.org`, `${user}@example.org`, `${user}@example.com`),
  sshPublicKey: fc.constantFrom(undefined, undefined, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIModelKey ${user}`),
});

const profilesArbitrary: fc.Arbitrary<VersionProfile[]> = subsetOf(USERS).chain(chosen => fc.tuple(...chosen.map(user => fc.record({
  user: fc.constant(user),
  ...profileFieldsOf(user),
  adopt: sometimes(0.7),
  retain: fc.constantFrom(undefined, true, false),
}).map(p => withoutUndefined(p))))).map(ps => [...ps]);

const parameterMemberArbitrary: fc.Arbitrary<VersionParameterMember | undefined> = maybe(fc.record({
  projectId: fc.constantFrom(...FOREIGN_PROJECTS),
  user: fc.constant(PARAMETER_USER),
  role,
  remoteAccessAllowed: sometimes(0.2),
  retain: sometimes(0.25),
}), 0.4);

export const versionArbitrary: fc.Arbitrary<AppVersion> = fc.record({
  p0: maybe(ownProject('P0'), 0.7),
  p1: maybe(ownProject('P1'), 0.3),
  other: otherProject,
  team: maybe(membersOf(USERS), 0.4),
  parameterMember: parameterMemberArbitrary,
  profiles: profilesArbitrary,
}).map(v => withoutUndefined({
  projects: [v.p0, v.p1, v.other.project].filter((p): p is VersionProject => p !== undefined),
  imports: [
    ...(v.other.import ? [v.other.import] : []),
    ...(v.team ? [{ projectId: FOREIGN_PROJECTS[1], members: v.team }] : []),
  ],
  parameterMember: v.parameterMember,
  profiles: v.profiles,
}));

const fault: fc.Arbitrary<Fault | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('error' as const), operation: fc.constantFrom(...FAILING_OPERATIONS), skip: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createFailed' as const), index: fc.nat(3) }) },
);

const lost: fc.Arbitrary<LostResponse | undefined> = maybe(
  fc.record({ operation: fc.constantFrom(...LOSABLE_OPERATIONS), skip: fc.integer({ min: 0, max: 2 }) }),
  0.35,
);

const step: fc.Arbitrary<StepPlan> = fc.record({
  version: versionArbitrary,
  fault,
  lost,
  redeliver: fc.constantFrom<Redelivery>('none', 'none', 'none', 'none', 'none', 'none', 'all', 'Create', 'Update', 'Delete'),
}).map(s => withoutUndefined(s));

const seededMember = (users: readonly string[]) => subsetOf(users).chain(chosen => fc.tuple(...chosen.map(user =>
  fc.record({ user: fc.constant(user), role, remoteAccessAllowed: sometimes(0.3) })))).map(ms => [...ms]);

const seed: fc.Arbitrary<SeedPlan> = fc.record({
  members: fc.record({ [OTHER_PROJECT]: seededMember(['ua', PARAMETER_USER]), [FOREIGN_PROJECTS[1]]: seededMember(['ub', PARAMETER_USER]) }) as
    fc.Arbitrary<Record<ForeignProject, SeededMember[]>>,
  profiles: subsetOf(USERS).chain(chosen => fc.tuple(...chosen.map(user => fc.record({ user: fc.constant(user), ...profileFieldsOf(user) })
    .map(p => withoutUndefined(p))))).map(ps => [...ps]),
});

export function sequenceArbitrary(minSteps: number, maxSteps: number): fc.Arbitrary<SequencePlan> {
  return fc.record({
    seed,
    replacementRollback: fc.constantFrom<ReplacementRollback>('delete', 'update-then-delete'),
    steps: fc.array(step, { minLength: minSteps, maxLength: maxSteps }),
  });
}

/**
 * The version less what cannot be declared in this account: imports and members of a foreign
 * project that no longer exists, or that this very deployment deletes (an adopted project that
 * leaves the stack with DESTROY: members of a deleted project are a mistake of the app's).
 */
export function feasibleVersion(world: World, deployed: Deployed, version: AppVersion, generation: number): AppVersion {
  const deleted = new Set([...deployed.projects.entries()]
    .filter(([key, p]) => !p.retain && !version.projects.some(v => v.key === key && v.projectId === p.projectId))
    .map(([, p]) => p.projectId));
  const usable = (id: string) => world.projects.has(id) && !deleted.has(id);
  // A new member whose own membership is still there (retained when it left the stack) is not
  // converged by the handler (see the reproducer in model.test.ts): left out until it is.
  const recognised = (projectId: string, user: string, parameter: boolean) => {
    const logicalId = memberLogicalId(projectId, user, parameter);
    const before = deployed.members.get(logicalId);
    return (before?.projectId !== projectId || before?.user !== user)
      && world.projects.get(projectId)?.members.get(userArn(user))?.owner === memberOwner(generation, logicalId);
  };
  const members = (projectId: string, ms: readonly VersionMember[]) => ms.filter(m => !recognised(projectId, m.user, false));
  const pm = version.parameterMember;
  return withoutUndefined({
    ...version,
    projects: version.projects.map(p => ({ ...p, members: members(p.projectId, p.members) })),
    imports: version.imports.filter(i => usable(i.projectId)).map(i => ({ ...i, members: members(i.projectId, i.members) })),
    parameterMember: pm && usable(pm.projectId) && !recognised(pm.projectId, pm.user, true) ? pm : undefined,
  });
}

/**
 * The version, for a step that is to fail and roll back: only what a rollback can take back.
 * CloudFormation keeps a RETAIN resource that a rolled-back operation created (DELETE_SKIPPED), and
 * the handler cannot undo the convergence of a resource it newly adopted (a profile's original
 * fields are stored nowhere), so resources new in this version are DESTROY and adopt nothing that
 * exists. A new resource that finds its own earlier creation (retained when it left the stack) is
 * left out: the rollback would delete what existed before the deployment (see the reproducer in
 * model.test.ts). A resource deployed before keeps its removal policy: the runner does not yet
 * restore the policies of a resource whose properties the failed version left unchanged (its
 * record keeps the failed template's DeletionPolicy after the rollback), where CloudFormation
 * goes back to the previous template.
 */
export function rollbackSafeVersion(world: World, deployed: Deployed, version: AppVersion, generation: number): AppVersion {
  const projectIsNew = (p: VersionProject) => deployed.projects.get(p.key)?.projectId !== p.projectId;
  const memberIsNew = (projectId: string, user: string, parameter: boolean) => {
    const before = deployed.members.get(memberLogicalId(projectId, user, parameter));
    return before?.projectId !== projectId || before?.user !== user;
  };
  const ownMembership = (projectId: string, user: string, parameter: boolean) =>
    world.projects.get(projectId)?.members.get(userArn(user))?.owner === memberOwner(generation, memberLogicalId(projectId, user, parameter));
  const safeMembers = (projectId: string, ms: readonly VersionMember[]) => ms
    .filter(m => !(memberIsNew(projectId, m.user, false) && ownMembership(projectId, m.user, false)))
    .map(m => {
      const kept = deployed.members.get(memberLogicalId(projectId, m.user, false))?.retain ?? false;
      return { ...m, retain: memberIsNew(projectId, m.user, false) ? false : kept };
    });
  // A new project that exists already: its own (the rollback would delete it) or one to adopt (the rollback cannot undo that).
  const projects = version.projects
    .filter(p => {
      const existing = world.projects.get(p.projectId);
      return !(projectIsNew(p) && existing !== undefined && (p.adopt || existing.owner === projectOwner(generation, p.key)));
    })
    .map(p => {
      const safe = { ...p, members: safeMembers(p.projectId, p.members) };
      return { ...safe, retain: projectIsNew(p) ? false : deployed.projects.get(p.key)!.retain };
    });
  const pm = version.parameterMember;
  const parameterMember = pm === undefined || !memberIsNew(pm.projectId, pm.user, true)
    ? pm && { ...pm, retain: deployed.members.get(memberLogicalId(pm.projectId, pm.user, true))!.retain }
    : ownMembership(pm.projectId, pm.user, true) ? undefined : { ...pm, retain: false };
  const profiles = version.profiles
    .filter(p => !(deployed.profiles.get(p.user) === undefined && p.adopt && world.profiles.has(userArn(p.user))))
    .map(p => {
      const before = deployed.profiles.get(p.user);
      if (before === undefined) {
        return { ...p, retain: false };
      }
      // An existing profile adopted in place would be converged, and its rollback then meets a conflict.
      return { ...p, adopt: before.existing && !before.adopt ? false : p.adopt, retain: before.retain };
    });
  return withoutUndefined({
    projects,
    imports: version.imports.map(i => ({ ...i, members: safeMembers(i.projectId, i.members) })),
    parameterMember,
    profiles,
  });
}

/** The object without its undefined members: versions compare and print as JSON. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
