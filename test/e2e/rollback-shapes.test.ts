import { AppSpec, failed, ProjectSpec, STACK_NAME, succeeded, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';
import { cloudFormationPhysicalId, ReplacementRollback } from '../../src/local/runner';

/**
 * The rollback of a replacement, end to end, under both shapes CloudFormation is known to deliver
 * (src/local/README.md, "Choices"): whichever it is, the account must end as it was before the
 * failed deployment. And a Delete with a physical id of CloudFormation's making (a cancelled
 * create) must not touch what the stack owns under its real physical id.
 */

const e2e = useE2E();
jest.setTimeout(60_000);

const project = (overrides: Partial<ProjectSpec> = {}): ProjectSpec => ({
  projectId: 'e2e-rb-one',
  name: 'Rollback shapes',
  tags: { team: 'blue' },
  members: [{ user: 'alice', role: ProjectRole.VIEWER }],
  ...overrides,
});

/** v2 replaces the project (a new id), then fails at a profile created after it (a foreign profile with other settings). */
const failingReplacement: AppSpec = {
  projects: [project({ projectId: 'e2e-rb-two' })],
  profiles: [{ user: 'bob', displayName: 'Bob Example', emailAddress: 'bob@example.org', order: 'afterProjects' }],
};

describe.each<ReplacementRollback>(['delete', 'update-then-delete'])('replacementRollback %s', shape => {
  test('a failed deployment after a project replacement leaves the account as it was', async () => {
    e2e.codestar.state.seedUserProfile({ userArn: userArn('bob'), displayName: 'Bob (someone else\'s)', emailAddress: 'bob@elsewhere.example' });
    const runner = () => e2e.runner({ replacementRollback: shape });
    succeeded(await runner().deploy(e2e.synth({ projects: [project()] })), e2e.lines);
    const before = await e2e.account();
    const stateBefore = runner().readState().stacks[STACK_NAME].resources;
    e2e.codestar.clearCalls();

    const result = failed(await runner().deploy(e2e.synth(failingReplacement)));

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(e2e.codestar.calls('CreateProject').map(c => c.input.id)).toContain('e2e-rb-two');
    expect(await e2e.account()).toEqual(before);
    expect(e2e.codestar.state.project('e2e-rb-two')).toBeUndefined();
    const stateAfter = runner().readState().stacks[STACK_NAME].resources;
    for (const [logicalId, record] of Object.entries(stateBefore)) {
      expect([logicalId, stateAfter[logicalId]?.physicalResourceId]).toEqual([logicalId, record.physicalResourceId]);
    }
    expect(result.warnings).toEqual([]);
    const revertedByUpdate = e2e.lines.filter(l => l.endsWith('UPDATE_IN_PROGRESS: rollback of a replacement'));
    expect(revertedByUpdate.length > 0).toBe(shape === 'update-then-delete');
  });
});

test('a lost answer to CreateProject and AssociateTeamMember: the next attempt recognises its own creation', async () => {
  // The first of each: the handler's retry, with the same token, must recognise what the lost call made.
  e2e.codestar.faults.lostResponse({ operations: ['CreateProject'], times: 1 });
  e2e.codestar.faults.lostResponse({ operations: ['AssociateTeamMember'], times: 1 });
  const result = await e2e.runner().deploy(e2e.synth({ projects: [project()] }));
  succeeded(result, e2e.lines);

  const lost = e2e.codestar.calls().filter(c => c.lost).map(c => c.operation);
  expect(lost).toEqual(['CreateProject', 'AssociateTeamMember']);
  // The repeats carry the same token as the lost calls.
  for (const operation of ['CreateProject', 'AssociateTeamMember']) {
    const tokens = e2e.codestar.calls(operation).map(c => c.input.clientRequestToken);
    expect(tokens.length).toBeGreaterThan(1);
    expect(new Set(tokens).size).toBe(1);
  }
  const account = await e2e.account();
  expect(account.projects.map(p => [p.id, p.members.map(m => m.userArn).sort()])).toEqual([
    ['e2e-rb-one', [userArn('alice'), e2e.codestar.callerUserArn].sort()],
  ]);
});

describe('the Delete of a cancelled create (a physical id of CloudFormation\'s making)', () => {
  /** A project resource as deployed (type, properties, logical id) in a stack that is gone again, and that stack's id. */
  async function projectResource() {
    const runner = e2e.runner();
    const deployed = succeeded(await runner.deploy(e2e.synth({ projects: [project({ members: [] })] })), e2e.lines);
    const [logicalId, record] = Object.entries(runner.readState().stacks[STACK_NAME].resources).find(([, r]) => r.type === 'Custom::CodeStarProject')!;
    succeeded(await runner.destroy(), e2e.lines);
    expect(e2e.codestar.state.projects()).toEqual([]);
    e2e.codestar.clearCalls();
    const send = (requestType: 'Create' | 'Delete', physicalResourceId?: string) => runner.sendEvent({
      stackName: STACK_NAME,
      stackId: deployed.stackId,
      logicalId,
      requestType,
      resourceType: record.type,
      properties: record.properties,
      physicalResourceId,
    });
    return { send, logicalId };
  }

  test('removes the project its cancelled Create made', async () => {
    const { send, logicalId } = await projectResource();
    // The Create ran to completion, but CloudFormation had cancelled it and never learnt its answer.
    expect((await send('Create')).outcome.status).toBe('SUCCESS');
    expect(e2e.codestar.state.project('e2e-rb-one')).toBeDefined();

    const { outcome } = await send('Delete', cloudFormationPhysicalId(STACK_NAME, logicalId));
    expect(outcome.status).toBe('SUCCESS');
    expect(e2e.codestar.state.project('e2e-rb-one')).toBeUndefined();
  });

  test('leaves a project that is not its own untouched', async () => {
    const { send, logicalId } = await projectResource();
    const foreign = e2e.codestar.state.seedProject({ id: 'e2e-rb-one', name: 'Someone else\'s' });

    const { outcome } = await send('Delete', cloudFormationPhysicalId(STACK_NAME, logicalId));
    expect(outcome.status).toBe('SUCCESS');
    expect(e2e.codestar.state.project('e2e-rb-one')).toEqual(foreign);
    expect(e2e.mutations()).toEqual([]);
  });
});
