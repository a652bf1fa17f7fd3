import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';
import type { CfnTemplate } from '../../src/local/cfn/template';
import {
  cloudFormationPhysicalId, CustomResourceEvent, HandlerModule, LifecycleRunner, LifecycleRunnerOptions, OnEventResponse,
} from '../../src/local/runner';

/*
 * The exact deliveries of each rollback shape (issue 10): a replaced resource rolled back by a
 * Delete only (what AWS documents), or by an Update with swapped properties and then the Delete
 * (reported in the field); the cleanup Delete of a replacement; DeletionPolicy RetainExceptOnCreate;
 * a single raw event such as the Delete of a cancelled create.
 */

const PROJECT = 'Custom::CodeStarProject';
const MEMBER = 'Custom::CodeStarTeamMember';
const TOKEN = { 'Fn::GetAtt': ['ProviderFn', 'Arn'] };
const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:codestar-provider';

/** What the fake handler saw: a copy of each onEvent event. */
let events: CustomResourceEvent[];
/** Per test: answer an event differently (return undefined for the default answer), or throw. */
let override: (event: CustomResourceEvent) => OnEventResponse | undefined;

/**
 * onEvent only (no isComplete, so the Provider answers at once). Create answers `PhysicalId` or
 * `<LogicalId>-1`; Update answers `PhysicalId` or the event's physical id; `FailOn` = a request type
 * throws; Data echoes `Version`.
 */
const handler: HandlerModule = {
  onEvent: (event: CustomResourceEvent) => {
    events.push(structuredClone(event));
    const p = event.ResourceProperties;
    if (p.FailOn === event.RequestType) {
      throw new Error(`fake: ${event.RequestType} of ${event.LogicalResourceId} failed`);
    }
    const answer = override(event);
    if (answer) {
      return answer;
    }
    switch (event.RequestType) {
      case 'Create': {
        const id = String(p.PhysicalId ?? `${event.LogicalResourceId}-1`);
        return { PhysicalResourceId: id, Data: { Version: p.Version ?? 'none' } };
      }
      case 'Update':
        return { PhysicalResourceId: String(p.PhysicalId ?? event.PhysicalResourceId), Data: { Version: p.Version ?? 'none' } };
      default:
        return {};
    }
  },
};

let dir: string;
let lines: string[];

beforeEach(() => {
  events = [];
  override = () => undefined;
  dir = tempDir();
  lines = [];
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runner(options: LifecycleRunnerOptions = {}): LifecycleRunner {
  return new LifecycleRunner({
    stateFile: path.join(dir, 'state.json'),
    handler,
    pollIntervalMs: 1,
    writer: line => lines.push(line),
    ...options,
  });
}

/**
 * Project (physical id `projectId`) and Member, which references it, so replacing the project
 * updates the member too. `failMember` makes the member's forward Update fail.
 */
function template(projectId: string, version: string, options: { failMember?: boolean; project?: object; member?: object } = {}): CfnTemplate {
  return {
    Resources: {
      ProviderFn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'codestar-provider' } },
      Project: {
        Type: PROJECT,
        Properties: { ServiceToken: TOKEN, PhysicalId: projectId, Version: version },
        ...options.project,
      },
      Member: {
        Type: MEMBER,
        Properties: {
          ServiceToken: TOKEN, projectId: { Ref: 'Project' }, Version: version, ...(options.failMember ? { FailOn: 'Update' } : {}),
        },
        ...options.member,
      },
    } as any,
  };
}

function without(t: CfnTemplate, logicalId: string): CfnTemplate {
  const { [logicalId]: _gone, ...rest } = t.Resources!;
  return { ...t, Resources: rest };
}

const seen = () => events.map(e => `${e.RequestType} ${e.LogicalResourceId} ${e.PhysicalResourceId ?? '-'}`);
const V1_PROJECT = { ServiceToken: SERVICE_TOKEN, PhysicalId: 'p-one', Version: '1' };
const V2_PROJECT = { ServiceToken: SERVICE_TOKEN, PhysicalId: 'p-two', Version: '2' };

/** Deploys v1 (project p-one), then a v2 that replaces the project (p-two) and fails at the member. */
async function replaceThenFail(r: LifecycleRunner) {
  const v1 = await r.deployStack({ stackName: 'S', template: template('p-one', '1') });
  expect(v1.status).toBe('CREATE_COMPLETE');
  const before = r.readState().stacks.S.resources.Project;
  events = [];
  const result = await r.deployStack({ stackName: 'S', template: template('p-two', '2', { failMember: true }) });
  return { result, before };
}

describe("replacementRollback: 'delete' (the default)", () => {
  test('no Update for the replaced resource; the new physical id gets a Delete with the new properties; the old record comes back', async () => {
    const r = runner();
    const { result, before } = await replaceThenFail(r);

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(seen()).toEqual([
      'Update Project p-one', // forward: the replacement
      'Update Member Member-1', // forward: fails
      'Update Member Member-1', // rollback of the member's in-place update
      'Delete Project p-two', // the replacement's new physical resource
    ]);
    const [replace, , , del] = events;
    expect(replace.ResourceProperties).toEqual(V2_PROJECT);
    expect(replace.OldResourceProperties).toEqual(V1_PROJECT);
    expect(del.ResourceProperties).toEqual(V2_PROJECT);
    expect(del.OldResourceProperties).toBeUndefined();
    expect(events[2].ResourceProperties.projectId).toBe('p-one');

    const after = r.readState().stacks.S.resources.Project;
    expect(after).toEqual(before);
    expect(after).toMatchObject({ physicalResourceId: 'p-one', properties: V1_PROJECT, data: { Version: '1' } });
    expect(result.warnings).toEqual([]);
  });

  test('is what the runner does unless told otherwise', async () => {
    const r = runner({ replacementRollback: 'delete' });
    await replaceThenFail(r);
    expect(seen().filter(s => s.startsWith('Update Project'))).toEqual(['Update Project p-one']);
  });
});

describe("replacementRollback: 'update-then-delete'", () => {
  const r = () => runner({ replacementRollback: 'update-then-delete' });

  test('an Update to the new physical id with the properties swapped, then its Delete; the old record comes back', async () => {
    const run = r();
    const { result, before } = await replaceThenFail(run);

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(seen()).toEqual([
      'Update Project p-one',
      'Update Member Member-1',
      'Update Member Member-1', // newest first: the member's rollback
      'Update Project p-two', // the replacement's rollback Update
      'Delete Project p-two',
    ]);
    const back = events[3];
    expect(back.ResourceProperties).toEqual(V1_PROJECT);
    expect(back.OldResourceProperties).toEqual(V2_PROJECT);
    expect(events[4].ResourceProperties).toEqual(V2_PROJECT);
    expect(events[4].OldResourceProperties).toBeUndefined();
    expect(lines).toContain('S | Project (Custom::CodeStarProject) UPDATE_IN_PROGRESS: rollback of a replacement');

    // The fake answered p-one (the old properties' PhysicalId): nothing to warn about.
    expect(run.readState().stacks.S.resources.Project).toEqual(before);
    expect(result.warnings).toEqual([]);
  });

  test('an answer of the new physical id still restores the old record, with a warning', async () => {
    override = e => (e.RequestType === 'Update' && e.PhysicalResourceId === 'p-two' ? { PhysicalResourceId: 'p-two' } : undefined);
    const run = r();
    const { result, before } = await replaceThenFail(run);
    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(seen().slice(3)).toEqual(['Update Project p-two', 'Delete Project p-two']);
    expect(run.readState().stacks.S.resources.Project).toEqual(before);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^Project: the rollback Update of its replacement \(p-two\) answered the physical id p-two, not the old p-one: .*only the rollback Delete that follows removes$/),
    ]);
  });

  test('an answer of a third physical id is a second replacement nobody cleans up: warned, the old record restored', async () => {
    override = e => (e.RequestType === 'Update' && e.PhysicalResourceId === 'p-two' ? { PhysicalResourceId: 'p-three' } : undefined);
    const run = r();
    const { result, before } = await replaceThenFail(run);
    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(seen().slice(3)).toEqual(['Update Project p-two', 'Delete Project p-two']);
    expect(run.readState().stacks.S.resources.Project.physicalResourceId).toBe('p-one');
    expect(run.readState().stacks.S.resources.Project).toEqual(before);
    expect(result.warnings).toEqual([expect.stringContaining('answered the physical id p-three, not the old p-one')]);
    expect(result.warnings[0]).toContain('never deletes (a second replacement)');
  });

  test('a failed rollback Update fails the rollback: UPDATE_ROLLBACK_FAILED, no Delete, the resource stays at the new physical id', async () => {
    override = e => {
      if (e.RequestType === 'Update' && e.PhysicalResourceId === 'p-two') {
        throw new Error('fake: cannot go back');
      }
      return undefined;
    };
    const run = r();
    const { result } = await replaceThenFail(run);
    expect(result.success).toBe(false);
    expect(result.status).toBe('UPDATE_ROLLBACK_FAILED');
    expect(seen()).toEqual(['Update Project p-one', 'Update Member Member-1', 'Update Member Member-1', 'Update Project p-two']);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) UPDATE_FAILED: fake: cannot go back');
    const state = run.readState().stacks.S;
    expect(state.status).toBe('UPDATE_ROLLBACK_FAILED');
    expect(state.resources.Project).toMatchObject({ physicalResourceId: 'p-two', properties: V2_PROJECT });
    expect(result.warnings).toEqual([expect.stringContaining('p-one (the replaced physical resource) is no longer managed')]);
  });

  test('an in-place update is rolled back as before: one Update, same physical id, no Delete', async () => {
    const run = r();
    await run.deployStack({ stackName: 'S', template: template('p-one', '1') });
    events = [];
    const result = await run.deployStack({ stackName: 'S', template: template('p-one', '2', { failMember: true }) });
    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(seen()).toEqual(['Update Project p-one', 'Update Member Member-1', 'Update Member Member-1', 'Update Project p-one']);
    expect(events[3].ResourceProperties).toEqual({ ...V1_PROJECT });
    expect(events[3].OldResourceProperties).toEqual({ ...V1_PROJECT, Version: '2' });
  });
});

describe('cleanup Delete of a replaced resource', () => {
  test('carries the old properties (those the old physical resource was deployed with), after every update', async () => {
    const run = runner();
    await run.deployStack({ stackName: 'S', template: template('p-one', '1') });
    events = [];
    const result = await run.deployStack({ stackName: 'S', template: template('p-two', '2') });
    expect(result.status).toBe('UPDATE_COMPLETE');
    expect(seen()).toEqual(['Update Project p-one', 'Update Member Member-1', 'Delete Project p-one']);
    expect(events[2].ResourceProperties).toEqual(V1_PROJECT);
    expect(events[2].OldResourceProperties).toBeUndefined();
    expect(run.readState().stacks.S.resources.Project).toMatchObject({ physicalResourceId: 'p-two', properties: V2_PROJECT });
  });

  test('UpdateReplacePolicy Retain skips it; DeletionPolicy does not govern it', async () => {
    const run = runner();
    await run.deployStack({ stackName: 'S', template: template('p-one', '1') });
    events = [];
    await run.deployStack({ stackName: 'S', template: template('p-two', '2', { project: { UpdateReplacePolicy: 'Retain' } }) });
    expect(seen()).toEqual(['Update Project p-one', 'Update Member Member-1']);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) DELETE_SKIPPED: retained');

    events = [];
    await run.deployStack({ stackName: 'S', template: template('p-three', '3', { project: { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Delete' } }) });
    expect(seen()).toEqual(['Update Project p-two', 'Update Member Member-1', 'Delete Project p-two']);
  });
});

describe('DeletionPolicy RetainExceptOnCreate', () => {
  const keepUnlessCreated = { DeletionPolicy: 'RetainExceptOnCreate' };

  test('deletes on the rollback of the stack update that created the resource', async () => {
    const run = runner();
    await run.deployStack({ stackName: 'S', template: without(template('p-one', '1'), 'Member') });
    events = [];
    const added = template('p-one', '1', { member: keepUnlessCreated });
    (added.Resources as any).Later = { Type: MEMBER, Properties: { ServiceToken: TOKEN, FailOn: 'Create' }, DependsOn: 'Member' };
    const result = await run.deployStack({ stackName: 'S', template: added });
    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    // Later failed in onEvent: its Delete carries the framework's marker and never reaches the handler.
    expect(seen()).toEqual(['Create Member -', 'Create Later -', 'Delete Member Member-1']);
    expect(run.readState().stacks.S.resources.Member).toBeUndefined();
  });

  test('deletes on the rollback of the stack creation', async () => {
    const t = template('p-one', '1', { project: keepUnlessCreated, member: { Properties: { ServiceToken: TOKEN, FailOn: 'Create' } } });
    const result = await runner().deployStack({ stackName: 'S', template: t });
    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(seen()).toEqual(['Create Project -', 'Create Member -', 'Delete Project p-one']);
  });

  test('retains otherwise: when the resource leaves the template, and on destroy', async () => {
    const run = runner();
    await run.deployStack({ stackName: 'S', template: template('p-one', '1', { project: keepUnlessCreated, member: keepUnlessCreated }) });
    events = [];
    const removed = await run.deployStack({ stackName: 'S', template: without(template('p-one', '1', { project: keepUnlessCreated }), 'Member') });
    expect(removed.status).toBe('UPDATE_COMPLETE');
    expect(lines).toContain('S | Member (Custom::CodeStarTeamMember) DELETE_SKIPPED: retained');
    const destroyed = await run.destroy();
    expect(destroyed.stacks[0].status).toBe('DELETE_COMPLETE');
    expect(lines).toContain('S | Project (Custom::CodeStarProject) DELETE_SKIPPED: retained');
    expect(events).toEqual([]);
  });
});

describe('sendEvent: one raw request through the Provider emulation', () => {
  test('the Delete of a cancelled create, with a physical id of CloudFormation making, in the deployed stack', async () => {
    const run = runner();
    const deployed = await run.deployStack({ stackName: 'S', template: template('p-one', '1') });
    const stateBefore = run.readState();
    events = [];

    const physicalResourceId = cloudFormationPhysicalId('S', 'Extra');
    expect(physicalResourceId).toMatch(/^S-Extra-[A-Z0-9]{12}$/);
    expect(cloudFormationPhysicalId('S', 'Extra')).not.toBe(physicalResourceId);
    const { event, outcome, warnings } = await run.sendEvent({
      stackName: 'S',
      logicalId: 'Extra',
      requestType: 'Delete',
      resourceType: MEMBER,
      properties: { ServiceToken: SERVICE_TOKEN, projectId: 'p-one', remote: true },
      physicalResourceId,
    });
    expect(outcome).toEqual({ status: 'SUCCESS', physicalResourceId, data: {} });
    expect(warnings).toEqual([]);
    expect(events).toEqual([event]);
    expect(event).toMatchObject({
      RequestType: 'Delete',
      StackId: deployed.stackId,
      LogicalResourceId: 'Extra',
      ResourceType: MEMBER,
      PhysicalResourceId: physicalResourceId,
      ServiceToken: SERVICE_TOKEN,
      ResourceProperties: { ServiceToken: SERVICE_TOKEN, projectId: 'p-one', remote: 'true' },
    });
    expect(event.ResponseURL).toMatch(/^https:\/\/cloudformation-custom-resource-response-useast1\.s3\.amazonaws\.com\//);
    expect(run.readState()).toEqual(stateBefore);
  });

  test('for a stack that is gone, with the stack id its operation used; a failure is an outcome, not a throw', async () => {
    const run = runner();
    const rolledBack = await run.deployStack({ stackName: 'S', template: template('p-one', '1', { member: { Properties: { ServiceToken: TOKEN, FailOn: 'Create' } } }) });
    expect(rolledBack.status).toBe('ROLLBACK_COMPLETE');
    expect(run.readState().stacks).toEqual({});
    const { event, outcome } = await run.sendEvent({
      stackName: 'S',
      stackId: rolledBack.stackId,
      logicalId: 'Member',
      requestType: 'Delete',
      resourceType: MEMBER,
      properties: { ServiceToken: SERVICE_TOKEN, FailOn: 'Delete' },
      physicalResourceId: cloudFormationPhysicalId('S', 'Member'),
    });
    expect(event.StackId).toBe(rolledBack.stackId);
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'fake: Delete of Member failed' });
    expect(run.readState().stacks).toEqual({});
  });
});
