import * as path from 'node:path';
import { AccountView, AppSpec, MemberSpec, ProfileSpec, ProjectSpec, ProjectView, STACK_NAME, synthesize, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';
import { seededRandom } from '../../src/local/faults';
import { CodeStarOperation, OPERATIONS } from '../../src/local/model';
import { ReplacementRollback } from '../../src/local/runner';

/**
 * The ownership model, checked by a model: random sequences of app versions (projects added,
 * removed, renamed and replaced; members added, removed, re-parented and changed; profiles; RETAIN
 * and DESTROY; adoption of a foreign project and a foreign profile), each deployed by the runner
 * against the local endpoint, with lost responses (the service applies a call, the handler never
 * hears), redeliveries, both replacement-rollback shapes, and failing versions that force a
 * rollback. The account is seeded with foreign resources first. After every step the account must
 * be exactly what a pure model of the versions says:
 *   (a) after a successful deploy, what the app declares for its own and adopted resources;
 *   (b) after a failed deploy and its rollback, what the previous version declared;
 *   (c) foreign resources the app does not declare are never changed;
 *   (d) after destroy, only retained and foreign resources remain.
 *
 * CDK_CODESTAR_MODEL_RUNS sets the number of sequences (default 300), CDK_CODESTAR_MODEL_SEED the
 * base seed; a failing sequence prints its seed and versions, and
 * `CDK_CODESTAR_MODEL_SEED=<seed> CDK_CODESTAR_MODEL_RUNS=1` replays it alone.
 */

const RUNS = Number(process.env.CDK_CODESTAR_MODEL_RUNS ?? 300);
const BASE_SEED = Number(process.env.CDK_CODESTAR_MODEL_SEED ?? 20_261_203);
/** Versions after the first, before the destroy. */
const UPDATES = 3;
/** Chance that any call but CreateUserProfile is applied and its answer lost (a profile has no token to recognise it by). */
const LOST_RESPONSE_RATE = 0.03;
const REDELIVERY_RATE = 0.15;
/** Chance that a version after the first must fail (a declared conflict), and roll back. */
const FAILURE_RATE = 0.25;

const e2e = useE2E({ seed: BASE_SEED });

// ---- the account before each sequence: foreign resources ---------------------------------------

/** Another stack's project: adopted by some versions, declared without adoption by failing ones. */
const THEIRS = 'theirs';
/** A project the app never declares. */
const UNTOUCHED = 'untouched';
/** An existing project whose team the app manages (imported): two members someone else made. */
const SHARED = 'shared';
const SHARED_OWNER = userArn('shared-owner');
const SHARED_VIEWER = 'shared-viewer';
/** A profile identical to the one versions declare: used, never deleted. */
const SAME_PROFILE = 'same-profile';
/** A profile versions adopt with other fields. */
const ADOPTED_PROFILE = 'adopted-profile';
/** A profile other than the declared one, never adopted: declaring it fails. */
const CONFLICT_PROFILE = 'conflict-profile';
/** A profile the app never declares. */
const UNTOUCHED_PROFILE = 'untouched-profile';

const sameProfile = { displayName: 'Same Person', emailAddress: 'same@example.org' };

function seedForeign(): void {
  const { state } = e2e.codestar;
  state.seedProject({ id: THEIRS, name: 'Theirs', tags: { owner: 'stack-b' }, clientRequestToken: 'another-stacks-token', owner: SHARED_OWNER });
  state.seedProject({ id: UNTOUCHED, name: 'Untouched', clientRequestToken: 'made-in-the-console' });
  state.seedProject({ id: SHARED, name: 'Shared', owner: SHARED_OWNER });
  state.seedTeamMember(SHARED, { userArn: userArn(SHARED_VIEWER), projectRole: 'Viewer', remoteAccessAllowed: false });
  state.seedUserProfile({ userArn: userArn(SAME_PROFILE), ...sameProfile });
  state.seedUserProfile({ userArn: userArn(ADOPTED_PROFILE), displayName: 'Before Adoption', emailAddress: 'before@example.org' });
  state.seedUserProfile({ userArn: userArn(CONFLICT_PROFILE), displayName: 'Someone Else', emailAddress: 'else@example.org' });
  state.seedUserProfile({ userArn: userArn(UNTOUCHED_PROFILE), displayName: 'Untouched', emailAddress: 'untouched@example.org' });
}

// ---- app versions --------------------------------------------------------------------------------

/** One sequence's fixed choices. */
interface Sequence {
  readonly seed: number;
  /** RETAIN: the own project keeps its id and stays in every version (what RETAIN keeps is then certain). */
  readonly retainOwn: boolean;
  readonly rollback: ReplacementRollback;
  readonly versions: Version[];
}

interface Version {
  readonly app: AppSpec;
  /** It declares a conflict: the deploy must fail and roll back. */
  readonly fails: boolean;
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  public chance(p: number): boolean {
    return this.next() < p;
  }
  public pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  public subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }
}

const ROLES = [ProjectRole.OWNER, ProjectRole.CONTRIBUTOR, ProjectRole.VIEWER];

function members(r: Random, users: readonly string[]): MemberSpec[] {
  return r.subset(users, 0.5).map(user => ({ user, role: r.pick(ROLES), remoteAccessAllowed: r.chance(0.3) }));
}

/**
 * A version; `lastDeployed` (the last version that did not fail) keeps a failing version from adding
 * what its rollback would retain.
 */
function version(r: Random, s: Pick<Sequence, 'retainOwn'>, lastDeployed: Version | undefined): Version {
  const fails = lastDeployed !== undefined && r.chance(FAILURE_RATE);
  const had = (match: (p: { projectId?: string; user?: string; adopt?: boolean }) => boolean) =>
    [...(lastDeployed?.app.projects ?? []), ...(lastDeployed?.app.profiles ?? [])].some(match);
  const projects: ProjectSpec[] = [];
  const profiles: ProfileSpec[] = [];
  // The own project: in every version when retained, else present or not, its id changing (a replacement).
  if (s.retainOwn || r.chance(0.75)) {
    projects.push({
      key: 'Own',
      projectId: s.retainOwn ? 'own-a' : r.pick(['own-a', 'own-b']),
      name: r.pick(['Own', 'Own, renamed']),
      description: r.pick([undefined, 'About it']),
      tags: Object.fromEntries(r.subset([['team', r.pick(['blue', 'red'])], ['cost', 'shared']], 0.5)),
      retain: s.retainOwn,
      members: members(r, ['dev-1', 'dev-2']),
    });
  }
  // Members of the shared project: a user may move between it and the own project (a re-parent).
  if (r.chance(0.7)) {
    projects.push({ key: 'Shared', projectId: SHARED, name: SHARED, imported: true, members: members(r, ['dev-2', SHARED_VIEWER]) });
  }
  // The adopted project and profile are retained when they leave: a failing version only keeps them.
  const adoptTheirs = fails ? had(p => p.projectId === THEIRS && p.adopt === true) : r.chance(0.4);
  if (adoptTheirs) {
    projects.push({ key: 'Theirs', projectId: THEIRS, name: r.pick(['Theirs, adopted', 'Theirs, renamed']), tags: { owner: 'stack-a' }, adopt: true, retain: true });
  }
  if (fails ? had(p => p.user === ADOPTED_PROFILE && p.adopt === true) : r.chance(0.4)) {
    profiles.push({ user: ADOPTED_PROFILE, displayName: r.pick(['Adopted', 'Adopted, renamed']), emailAddress: 'adopted@example.org', adopt: true });
  }
  for (const user of r.subset(['person-1', 'person-2'], 0.5)) {
    profiles.push({ user, displayName: r.pick(['Person', 'Person, renamed']), emailAddress: `${user}@example.org`, sshPublicKey: r.pick([undefined, `ssh-ed25519 AAAAKey ${user}`]) });
  }
  if (r.chance(0.3)) {
    profiles.push({ user: SAME_PROFILE, ...sameProfile });
  }
  if (fails) {
    // Declared late (after the projects), so most of the version has been applied when it fails.
    if (r.chance(0.5) || adoptTheirs) {
      profiles.push({ user: CONFLICT_PROFILE, displayName: 'Mine', emailAddress: 'mine@example.org', order: 'afterProjects' });
    } else {
      projects.push({ key: 'Theirs', projectId: THEIRS, name: 'Theirs, taken over' });
    }
  }
  return { app: { projects, profiles }, fails };
}

function sequence(seed: number): Sequence {
  const r = new Random(seed);
  const fixed = { retainOwn: r.chance(0.3) };
  const versions: Version[] = [];
  for (let i = 0; i <= UPDATES; i++) {
    versions.push(version(r, fixed, versions.filter(v => !v.fails).pop()));
  }
  return { seed, ...fixed, rollback: r.pick(['delete', 'update-then-delete'] as const), versions };
}

// ---- the model: what the account must hold --------------------------------------------------------

/** A project as the model holds it: as the account shows it, and whether the stack retains it. */
type ModelProject = ProjectView & { readonly retained?: boolean };
type Account = { projects: Map<string, ModelProject>; profiles: Map<string, AccountView['profiles'][number]> };

/** What the account must show. */
const view = (account: Account): AccountView => ({
  projects: [...account.projects.values()]
    .map(({ retained: _retained, ...p }) => ({ ...p, members: [...p.members].sort((a, b) => a.userArn.localeCompare(b.userArn)) }))
    .sort((a, b) => a.id.localeCompare(b.id)),
  profiles: [...account.profiles.values()].sort((a, b) => a.userArn.localeCompare(b.userArn)),
});

const memberView = (m: MemberSpec) => ({
  userArn: userArn(m.user), projectRole: m.role as string, remoteAccessAllowed: m.remoteAccessAllowed ?? false,
});

const profileView = (p: ProfileSpec) => ({
  userArn: userArn(p.user),
  displayName: p.displayName,
  emailAddress: p.emailAddress,
  ...(p.sshPublicKey === undefined ? {} : { sshPublicKey: p.sshPublicKey }),
});

/**
 * The account after `next` is deployed over `current` (`undefined`: destroyed): own resources as
 * declared, or gone once undeclared, unless retained; adopted ones converged, and kept as they
 * were left; foreign memberships back to what they were; everything else untouched.
 */
function deployed(current: Account, seeded: Account, next: AppSpec | undefined, callerArn: string): Account {
  const projects = new Map(current.projects);
  const profiles = new Map(current.profiles);
  const declared = next?.projects ?? [];
  // Own projects: those of the seeds are never the stack's; the others are, and go unless retained.
  for (const id of [...projects.keys()].filter(key => !seeded.projects.has(key))) {
    const spec = declared.find(p => p.projectId === id);
    const project = projects.get(id)!;
    if (!spec) {
      if (project.retained) {
        // Its members were the stack's, and went with their TeamMember resources.
        projects.set(id, { ...project, members: [{ userArn: callerArn, projectRole: 'Owner', remoteAccessAllowed: false }] });
      } else {
        projects.delete(id);
      }
    }
  }
  for (const spec of declared) {
    const before = projects.get(spec.projectId);
    if (spec.imported) {
      // Declared members as declared; the others back to the seeded ones.
      const seededMembers = seeded.projects.get(spec.projectId)!.members.filter(m => !(spec.members ?? []).some(d => userArn(d.user) === m.userArn));
      projects.set(spec.projectId, { ...before!, members: [...seededMembers, ...(spec.members ?? []).map(memberView)] });
    } else if (spec.adopt) {
      projects.set(spec.projectId, { ...before!, name: spec.name, tags: { ...spec.tags } });
    } else {
      projects.set(spec.projectId, {
        id: spec.projectId,
        name: spec.name,
        ...(spec.description === undefined ? {} : { description: spec.description }),
        state: 'CreateComplete',
        tags: { ...spec.tags },
        members: [{ userArn: callerArn, projectRole: 'Owner', remoteAccessAllowed: false }, ...(spec.members ?? []).map(memberView)],
        retained: spec.retain,
      });
    }
  }
  // The shared project, when the version declares none of its team, has its seeded team back.
  if (!declared.some(p => p.projectId === SHARED)) {
    projects.set(SHARED, { ...projects.get(SHARED)!, members: seeded.projects.get(SHARED)!.members });
  }
  // Profiles: the seeded ones stay (adopted ones as converged); own ones are those declared.
  for (const arn of [...profiles.keys()].filter(key => !seeded.profiles.has(key))) {
    profiles.delete(arn);
  }
  for (const spec of next?.profiles ?? []) {
    if (spec.adopt || !seeded.profiles.has(userArn(spec.user))) {
      profiles.set(userArn(spec.user), profileView(spec));
    }
  }
  return { projects, profiles };
}

// ---- the test ----------------------------------------------------------------------------------------

const LOSABLE: CodeStarOperation[] = OPERATIONS.filter(op => op !== 'CreateUserProfile');

test(`model: ${RUNS} random sequences of app versions, faults, lost responses and foreign resources`, async () => {
  const stats = { sequences: 0, deploys: 0, failedAsDeclared: 0, lost: 0, destroys: 0, retainedSequences: 0 };
  const synthesized = new Map<string, string>();
  const synth = (app: AppSpec) => {
    const key = JSON.stringify(app);
    if (!synthesized.has(key)) {
      synthesized.set(key, synthesize(path.join(e2e.dir, `cdk.out.${synthesized.size}`), app, STACK_NAME));
    }
    return synthesized.get(key)!;
  };

  for (let run = 0; run < RUNS; run++) {
    const s = sequence(BASE_SEED + run);
    const step = { at: 'seeding' };
    try {
      e2e.codestar.reset();
      seedForeign();
      const seededView = await e2e.account();
      const toAccount = (v: AccountView): Account => ({
        projects: new Map(v.projects.map(p => [p.id, p])),
        profiles: new Map(v.profiles.map(p => [p.userArn, p])),
      });
      const seeded = toAccount(seededView);
      let expected = seeded;
      // Redeliveries from a stream of their own, so that they do not shift the versions' choices.
      const random = seededRandom(s.seed + 1_000_003);
      const runner = () => e2e.runner({
        stateFile: path.join(e2e.dir, `state-${run}.json`),
        replacementRollback: s.rollback,
        redeliver: () => random() < REDELIVERY_RATE,
        writer: () => undefined,
      });
      const check = async (what: string) => {
        step.at = what;
        expect({ step: what, account: await e2e.account() }).toEqual({ step: what, account: view(expected) });
      };

      for (const [i, v] of s.versions.entries()) {
        const lost = e2e.codestar.faults.lostResponse({ operations: LOSABLE, probability: LOST_RESPONSE_RATE });
        step.at = `deploy of version ${i}`;
        const result = await runner().deploy(synth(v.app));
        lost.remove();
        stats.deploys++;
        stats.lost += lost.fired;
        const [stack] = result.stacks;
        expect({ step: step.at, success: result.success, status: stack.status, reason: result.success ? undefined : stack.reason })
          .toEqual({ step: step.at, success: !v.fails, status: expect.any(String), reason: v.fails ? expect.stringMatching(/already exists/) : undefined });
        if (v.fails) {
          stats.failedAsDeclared++;
          expect(stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        } else {
          expected = deployed(expected, seeded, v.app, e2e.codestar.callerUserArn);
        }
        await check(`after version ${i} (${v.fails ? 'failed, rolled back' : 'deployed'})`);
      }

      const lost = e2e.codestar.faults.lostResponse({ operations: LOSABLE, probability: LOST_RESPONSE_RATE });
      step.at = 'destroy';
      const destroyed = await runner().destroy();
      lost.remove();
      stats.destroys++;
      expect({ step: step.at, success: destroyed.success, reason: destroyed.stacks[0]?.reason })
        .toEqual({ step: step.at, success: true, reason: undefined });
      expected = deployed(expected, seeded, undefined, e2e.codestar.callerUserArn);
      await check('after destroy');
      stats.sequences++;
      stats.retainedSequences += s.retainOwn ? 1 : 0;
    } catch (e) {
      const replay = `CDK_CODESTAR_MODEL_SEED=${s.seed} CDK_CODESTAR_MODEL_RUNS=1`;
      throw new Error(`model sequence ${run} (seed ${s.seed}; replay with ${replay}) failed at ${step.at}\n`
        + `rollback shape: ${s.rollback}; own project retained: ${s.retainOwn}\n`
        + `versions:\n${s.versions.map((v, i) => `  ${i}${v.fails ? ' (must fail)' : ''}: ${JSON.stringify(v.app)}`).join('\n')}\n${(e as Error).message}`);
    }
  }

  // The sequences did what they are for.
  expect(stats.sequences).toBe(RUNS);
  if (RUNS >= 100) {
    expect(stats.failedAsDeclared).toBeGreaterThan(RUNS / 4);
    expect(stats.lost).toBeGreaterThan(RUNS / 4);
    expect(stats.retainedSequences).toBeGreaterThan(RUNS / 10);
  }
  process.stdout.write(`model: ${JSON.stringify({ ...stats, assemblies: synthesized.size, baseSeed: BASE_SEED })}\n`);
}, 1_800_000);
