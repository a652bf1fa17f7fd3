import { createHash } from 'node:crypto';
import { AccountView, AppSpec, MemberSpec, ProfileSpec, ProjectView, synthCache, unexpectedWarnings, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';
import { FaultHandle } from '../../src/local/endpoint';
import { seededRandom } from '../../src/local/faults';

/**
 * A bounded soak: LIFECYCLES random stack lifecycles (create, 0..1 update, destroy), interleaved
 * over a few stacks, every request through the real bundle and SDK while the endpoint fails a
 * fifth of all calls with a transient error (throttling, 500, ConcurrentModificationException).
 * After every step the whole account, read through the List operations with the faults paused,
 * must be exactly what the live stacks declare: no duplicate, nothing leaked, nothing missing.
 *
 * Deterministic: the lifecycles come from a seeded RNG, the faults from the endpoint's seeded RNG,
 * and the steps run one at a time, so every run makes the same calls and meets the same faults
 * (only the handler's backoff jitter, which decides nothing but timing, differs).
 */

const LIFECYCLES = Number(process.env.SOAK_LIFECYCLES ?? 200);
const SEED = 20_241_122;
const FAULT_RATE = 0.2;
const SHARED_PROJECT = 'soak-shared';

const e2e = useE2E({ seed: SEED });

/** Three fault kinds whose chances add up to FAULT_RATE per call (each drawn in turn). */
function injectTransientFaults(): FaultHandle[] {
  const each = 1 - (1 - FAULT_RATE) ** (1 / 3);
  return [
    e2e.codestar.faults.throttle({ probability: each }),
    e2e.codestar.faults.internalFailure({ probability: each }),
    e2e.codestar.faults.concurrentModification({ probability: each }),
  ];
}

type Shape = 'profile' | 'members' | 'project';

/** What each lifecycle's stack holds; the mix keeps most lifecycles small (see the report). */
const SHAPES: ReadonlyArray<[Shape, number]> = [['profile', 0.4], ['members', 0.4], ['project', 0.2]];

class Generator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  public chance(p: number): boolean {
    return this.random() < p;
  }

  public pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  public int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  public weighted<T>(items: ReadonlyArray<[T, number]>): T {
    let r = this.random() * items.reduce((sum, [, w]) => sum + w, 0);
    for (const [item, weight] of items) {
      r -= weight;
      if (r < 0) {
        return item;
      }
    }
    return items[items.length - 1][0];
  }

  /** A random subset, in the given order. */
  public subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }

  public shape(): Shape {
    return this.weighted(SHAPES);
  }

  /** A version of a stack of this shape; `slot` keeps every stack's names its own. */
  public app(shape: Shape, slot: number): AppSpec {
    switch (shape) {
      case 'profile':
        return { profiles: [this.profile(slot)] };
      case 'members':
        return { projects: [{ projectId: SHARED_PROJECT, name: SHARED_PROJECT, imported: true, members: this.members(slot, 1) }] };
      case 'project':
        return {
          projects: [{
            projectId: `soak${slot}-${this.pick(['a', 'b'])}`,
            name: this.pick(['Alpha', 'Beta', 'Gamma']),
            description: this.pick([undefined, 'The first description', 'Another description']),
            tags: Object.fromEntries(this.subset([['team', this.pick(['blue', 'red'])], ['env', this.pick(['dev', 'prod'])], ['cost', 'shared']], 0.5)),
            members: this.members(slot, 0),
          }],
          profiles: this.chance(0.5) ? [this.profile(slot)] : [],
        };
    }
  }

  /** Between min and 2 of the slot's three users (a random pair, or one of them, or none). */
  private members(slot: number, min: number): MemberSpec[] {
    const users = [0, 1, 2].map(i => `soak${slot}-u${i}`);
    const first = this.int(0, 2);
    const pair = [users[first], users[(first + 1) % 3]];
    return pair.slice(0, this.int(min, 2)).map(user => ({
      user,
      role: this.pick([ProjectRole.OWNER, ProjectRole.CONTRIBUTOR, ProjectRole.VIEWER]),
      remoteAccessAllowed: this.chance(0.3),
    }));
  }

  private profile(slot: number): ProfileSpec {
    // Another user replaces the profile; the same construct id keeps it one resource.
    const user = `soak${slot}-${this.pick(['pa', 'pb'])}`;
    return {
      key: 'Profile',
      user,
      displayName: this.pick(['Pat Example', 'Pat E.']),
      emailAddress: this.pick([`${user}@example.org`, `${user}@example.com`]),
      sshPublicKey: this.pick([undefined, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISoakKey${slot} ${user}`]),
    };
  }
}

/** What the account must hold while these apps are deployed (and the shared project exists). */
function expectedAccount(apps: readonly AppSpec[], callerArn: string): AccountView {
  const member = (m: MemberSpec) => ({
    userArn: userArn(m.user), projectRole: m.role as string, remoteAccessAllowed: m.remoteAccessAllowed ?? false,
  });
  const caller = { userArn: callerArn, projectRole: 'Owner', remoteAccessAllowed: false };
  const byArn = (a: { userArn: string }, b: { userArn: string }) => a.userArn.localeCompare(b.userArn);
  const projects = new Map<string, ProjectView>();
  projects.set(SHARED_PROJECT, { id: SHARED_PROJECT, name: SHARED_PROJECT, state: 'CreateComplete', tags: {}, members: [caller] });
  for (const p of apps.flatMap(a => a.projects ?? [])) {
    const existing = projects.get(p.projectId);
    if (p.imported && existing) {
      projects.set(p.projectId, { ...existing, members: [...existing.members, ...(p.members ?? []).map(member)].sort(byArn) });
      continue;
    }
    projects.set(p.projectId, {
      id: p.projectId,
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      state: 'CreateComplete',
      tags: { ...p.tags },
      members: [caller, ...(p.members ?? []).map(member)].sort(byArn),
    });
  }
  const profiles = apps.flatMap(a => a.profiles ?? []).map(p => ({
    userArn: userArn(p.user),
    displayName: p.displayName,
    emailAddress: p.emailAddress,
    ...(p.sshPublicKey !== undefined ? { sshPublicKey: p.sshPublicKey } : {}),
  }));
  return {
    projects: [...projects.values()].sort((a, b) => a.id.localeCompare(b.id)),
    profiles: profiles.sort(byArn),
  };
}

interface Live {
  readonly shape: Shape;
  app: AppSpec;
  updatesLeft: number;
}

test(`soak: ${LIFECYCLES} random lifecycles with ${FAULT_RATE * 100}% transient faults converge, with no duplicate and no leak`, async () => {
  const SLOTS = 4;
  const gen = new Generator(SEED);
  e2e.codestar.state.seedProject({ id: SHARED_PROJECT });
  /** Each distinct version of a stack is synthesized once (the runner only reads the assembly). */
  const assemblies = synthCache(() => e2e.dir);
  const synth = (stackName: string, app: AppSpec) => assemblies.synth(stackName, app, app);

  const live = new Map<number, Live>();
  const stats = {
    lifecycles: 0,
    creates: 0,
    updates: 0,
    destroys: 0,
    redelivered: 0,
    handlerCalls: 0,
    injectedFaults: 0,
    shapes: {} as Record<string, number>,
    // Where the time goes, for the record (nothing asserts on it).
    ms: { synth: 0, run: 0, check: 0 },
  };
  const timed = async <T>(bucket: keyof typeof stats.ms, work: () => T | Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await work();
    } finally {
      stats.ms[bucket] += Date.now() - start;
    }
  };
  /** Every handler call and the fault it met, in order: the same in every run (printed at the end). */
  const sequence = createHash('sha256');
  /** Counts the calls of one runner operation (the log is cleared before each; checks add no faults). */
  const counted = async <T>(operation: () => Promise<T>): Promise<T> => {
    e2e.codestar.clearCalls();
    const result = await timed('run', operation);
    const calls = e2e.codestar.calls();
    stats.handlerCalls += calls.length;
    stats.injectedFaults += calls.filter(c => c.fault !== undefined).length;
    calls.forEach(c => sequence.update(`${c.operation}:${c.fault ?? ''}\n`));
    return result;
  };
  let faults = injectTransientFaults();
  let step = 0;

  const check = async (what: string) => {
    faults.forEach(f => f.remove());
    const actual = await timed('check', () => e2e.account());
    faults = injectTransientFaults();
    const expected = expectedAccount([...live.values()].map(l => l.app), e2e.codestar.callerUserArn);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      // toEqual prints the difference; the step says how to get there.
      expect({ step, what, account: actual }).toEqual({ step, what, account: expected });
    }
  };

  while (stats.lifecycles < LIFECYCLES || live.size > 0) {
    step++;
    const slot = stats.lifecycles + live.size < LIFECYCLES ? gen.int(0, SLOTS - 1) : [...live.keys()][0];
    const stackName = `Soak${slot}`;
    const current = live.get(slot);
    const redeliver = gen.chance(0.1);
    stats.redelivered += redeliver ? 1 : 0;
    const runner = e2e.runner({ redeliver, writer: () => undefined });
    if (current && current.updatesLeft === 0) {
      const result = await counted(() => runner.destroy({ stacks: [stackName] }));
      expect({ step, stackName, destroyed: result.stacks.map(s => [s.status, s.reason, unexpectedWarnings(s)]) })
        .toEqual({ step, stackName, destroyed: [['DELETE_COMPLETE', undefined, []]] });
      live.delete(slot);
      stats.destroys++;
      stats.lifecycles++;
      await check(`destroy ${stackName}`);
      continue;
    }
    const shape = current?.shape ?? gen.shape();
    const app = gen.app(shape, slot);
    const assembly = await timed('synth', () => synth(stackName, app));
    const result = await counted(() => runner.deploy(assembly));
    expect({ step, stackName, app, deployed: result.stacks.map(s => [s.success, s.reason, unexpectedWarnings(s)]) })
      .toEqual({ step, stackName, app, deployed: [[true, undefined, []]] });
    if (current) {
      current.app = app;
      current.updatesLeft--;
      stats.updates++;
    } else {
      live.set(slot, { shape, app, updatesLeft: gen.int(0, 1) });
      stats.creates++;
      stats.shapes[shape] = (stats.shapes[shape] ?? 0) + 1;
    }
    await check(`deploy ${stackName}`);
  }

  faults.forEach(f => f.remove());
  // Only the shared project, which no stack owns, is left; the runner remembers no stack.
  expect(await e2e.account()).toEqual(expectedAccount([], e2e.codestar.callerUserArn));
  expect(e2e.runner().readState().stacks).toEqual({});
  expect(stats.lifecycles).toBe(LIFECYCLES);
  // The faults did fire, at about the rate asked for.
  expect(stats.injectedFaults / stats.handlerCalls).toBeGreaterThan(FAULT_RATE / 2);
  process.stdout.write(`soak: ${JSON.stringify({ ...stats, steps: step, assemblies: assemblies.size, callSequence: sequence.digest('hex').slice(0, 16) })}\n`);
}, 600_000);
