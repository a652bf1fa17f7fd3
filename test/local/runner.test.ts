import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { tempDir, writeAssembly } from './helpers';
import type { CfnTemplate } from '../../src/local/cfn/template';
import { CustomResourceEvent, HandlerModule, LifecycleRunner, LifecycleRunnerOptions, stringifyScalars } from '../../src/local/runner';

const STUB = path.join(__dirname, 'fixtures', 'stub-handler.js');
/** The same module instance the runner loads (both use Node's own require). */
const stub = createRequire(__filename)(STUB) as {
  calls: Array<{ entry: string; event: CustomResourceEvent & Record<string, any>; context: any; env: any }>;
  resources: Map<string, unknown>;
  creations(): number;
  reset(): void;
};

const PROJECT = 'Custom::CodeStarProject';
const MEMBER = 'Custom::CodeStarTeamMember';
const PROFILE = 'Custom::CodeStarUserProfile';
const TOKEN = { 'Fn::GetAtt': ['ProviderFn', 'Arn'] };
const PROVIDER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:codestar-provider';

let dir: string;
let lines: string[];

beforeEach(() => {
  stub.reset();
  dir = tempDir();
  lines = [];
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runner(options: LifecycleRunnerOptions = {}): LifecycleRunner {
  return new LifecycleRunner({
    stateFile: path.join(dir, 'state.json'),
    handler: STUB,
    pollIntervalMs: 1,
    writer: line => lines.push(line),
    ...options,
  });
}

let version = 0;
/** Writes a cloud assembly with these stacks and answers its directory. */
function assembly(stacks: Record<string, CfnTemplate>, options?: Parameters<typeof writeAssembly>[2]): string {
  return writeAssembly(path.join(dir, `cdk.out.${++version}`), stacks, options);
}

function resource(type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { Type: type, Properties: { ServiceToken: TOKEN, ...properties }, ...extra };
}

const base = {
  ProviderFn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'codestar-provider' } },
  Dev: { Type: 'AWS::IAM::User', Properties: { UserName: 'dev' } },
};

/** A project, a profile and a member: Member depends on both through Ref and DependsOn. */
function app(overrides: { project?: object; member?: object; profile?: object; extra?: Record<string, unknown> } = {}): CfnTemplate {
  return {
    Resources: {
      Member: resource(MEMBER, {
        projectId: { Ref: 'Project' }, userArn: { 'Fn::GetAtt': ['Dev', 'Arn'] }, projectRole: 'Contributor', remoteAccessAllowed: true, ...overrides.member,
      }, { DependsOn: 'Profile' }),
      Profile: resource(PROFILE, { userArn: { 'Fn::GetAtt': ['Dev', 'Arn'] }, displayName: 'Dev Eloper', emailAddress: 'dev@example.com', ...overrides.profile }),
      Project: resource(PROJECT, { id: 'demo', name: 'Demo', ...overrides.project }),
      ...base,
      ...overrides.extra,
    } as any,
  };
}

const onEvents = () => stub.calls.filter(c => c.entry === 'onEvent');
const requests = () => onEvents().map(c => `${c.event.RequestType} ${c.event.LogicalResourceId}`);
const lastEvent = (type: string, logicalId: string) =>
  [...onEvents()].reverse().find(c => c.event.RequestType === type && c.event.LogicalResourceId === logicalId)!.event;

describe('create', () => {
  test('orders resources by references and DependsOn, resolves intrinsics, delivers CloudFormation events', async () => {
    const template: CfnTemplate = {
      Parameters: { Env: { Type: 'String', Default: 'dev' } },
      Conditions: {
        IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      },
      Resources: {
        ...app().Resources,
        Project: resource(PROJECT, {
          id: { 'Fn::Join': ['-', ['demo', { Ref: 'Env' }]] },
          name: { 'Fn::Sub': '${AWS::StackName} in ${AWS::Region}' },
          description: { 'Fn::Sub': ['Owned by ${User} (${Dev.Arn}), ${!Literal}', { User: { Ref: 'Dev' } }] },
          tags: {
            first: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
            count: 3,
            prod: { 'Fn::If': ['IsProd', 'yes', { Ref: 'AWS::NoValue' }] },
            notProd: { 'Fn::If': ['NotProd', true, false] },
            where: { 'Fn::Sub': '${AWS::Partition}:${AWS::AccountId}:${AWS::URLSuffix}' },
          },
        }),
        ProdOnly: resource(PROJECT, { id: 'prod', name: 'Prod' }, { Condition: 'IsProd' }),
      },
      Outputs: {
        ProjectId: { Value: { 'Fn::GetAtt': ['Project', 'Id'] }, Export: { Name: 'demo-project-id' } },
        Polled: { Value: { 'Fn::GetAtt': ['Project', 'Polled'] } },
      },
    };
    const result = await runner({ codeStarEndpoint: 'http://127.0.0.1:1' }).deploy(assembly({ Stack: template }));

    expect(result.success).toBe(true);
    expect(result.stacks[0].status).toBe('CREATE_COMPLETE');
    expect(requests()).toEqual(['Create Profile', 'Create Project', 'Create Member']);

    const project = lastEvent('Create', 'Project');
    expect(project.ResourceProperties).toEqual({
      ServiceToken: PROVIDER_ARN,
      id: 'demo-dev',
      name: 'Stack in us-east-1',
      description: 'Owned by dev (arn:aws:iam::123456789012:user/dev), ${Literal}',
      tags: { first: 'b', count: '3', notProd: 'true', where: 'aws:123456789012:amazonaws.com' },
    });
    expect(project).toMatchObject({ RequestType: 'Create', ServiceToken: PROVIDER_ARN, ResourceType: PROJECT, LogicalResourceId: 'Project' });
    expect(project.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/Stack\/[0-9a-f-]{36}$/);
    expect(project.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(project.ResponseURL).toMatch(/^https:\/\/cloudformation-custom-resource-response-useast1\.s3\.amazonaws\.com\//);
    expect(project).not.toHaveProperty('PhysicalResourceId');
    expect(project).not.toHaveProperty('OldResourceProperties');

    const member = lastEvent('Create', 'Member');
    const projectId = stub.calls.find(c => c.event.LogicalResourceId === 'Project')!.event.RequestId.slice(0, 8);
    expect(member.ResourceProperties).toMatchObject({
      projectId: `Project-${projectId}`, userArn: 'arn:aws:iam::123456789012:user/dev', remoteAccessAllowed: 'true',
    });
    expect(result.stacks[0].outputs).toEqual({ ProjectId: `Project-${projectId}`, Polled: '1' });
    expect(lines).toContain(`Stack.ProjectId = Project-${projectId}`);
  });

  test('the handler gets a Lambda context and environment', async () => {
    await runner({ codeStarEndpoint: 'http://127.0.0.1:4567', lambdaTimeoutMs: 60_000, environment: { EXTRA: 'x' } }).deploy(assembly({ S: app() }));
    const call = stub.calls[0];
    expect(call.context.functionName).toBe('S-CodeStarHandler-onEvent');
    expect(call.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.context.remainingMs).toBeGreaterThan(0);
    expect(call.context.remainingMs).toBeLessThanOrEqual(60_000);
    expect(call.env).toEqual({ endpoint: 'http://127.0.0.1:4567', region: 'us-east-1', accessKeyId: 'ASIALOCALCODESTAR000' });
    expect(process.env.AWS_ENDPOINT_URL_CODESTAR).toBeUndefined(); // restored after each invocation
  });

  test('isComplete is polled until complete; long waits print progress', async () => {
    const result = await runner({ progressEveryPolls: 2 }).deploy(assembly({ S: app({ project: { Polls: 3 } }) }));
    expect(result.success).toBe(true);
    expect(stub.calls.filter(c => c.entry === 'isComplete' && c.event.LogicalResourceId === 'Project')).toHaveLength(4);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS still waiting (2 polls)');
    // Data is onEvent's merged with isComplete's
    expect(result.stacks[0].events).toBeDefined();
    expect(runner().readState().stacks.S.resources.Project.data).toMatchObject({ Attr: 'none', Polled: '4' });
    // the isComplete event carries the physical id and Data that onEvent returned
    const poll = stub.calls.find(c => c.entry === 'isComplete' && c.event.LogicalResourceId === 'Project')!.event;
    expect(poll.PhysicalResourceId).toMatch(/^Project-/);
    expect(poll.Data).toMatchObject({ Attr: 'none' });
  });

  test('output reads like a deploy and prints no ResponseURL or sensitive values', async () => {
    await runner().deploy(assembly({ S: app() }));
    expect(lines).toEqual(expect.arrayContaining([
      'S: CREATE_IN_PROGRESS',
      'S | ProviderFn (AWS::Lambda::Function) CREATE_COMPLETE (simulated)',
      'S | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS',
      'S | Project (Custom::CodeStarProject) CREATE_COMPLETE',
      'S | Member (Custom::CodeStarTeamMember) CREATE_COMPLETE',
      'S: CREATE_COMPLETE',
    ]));
    const text = lines.join('\n');
    for (const call of stub.calls) {
      expect(text).not.toContain(call.event.ResponseURL);
    }
    expect(text).not.toMatch(/X-Amz-Signature|Dev Eloper|dev@example\.com/);
  });
});

describe('update, replacement, removal, destroy', () => {
  test('only changed resources get an Update, with the old properties', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app() }));
    const created = lastEvent('Create', 'Project');
    stub.calls.length = 0;

    const result = await r.deploy(assembly({ S: app({ project: { name: 'Renamed' } }) }));
    expect(result.stacks[0].status).toBe('UPDATE_COMPLETE');
    expect(requests()).toEqual(['Update Project']);
    const update = lastEvent('Update', 'Project');
    expect(update.ResourceProperties).toMatchObject({ name: 'Renamed' });
    expect(update.OldResourceProperties).toEqual(created.ResourceProperties);
    expect(update.PhysicalResourceId).toMatch(/^Project-/);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) UPDATE_IN_PROGRESS: changed: name');
  });

  test('no changes, and DependsOn-only changes, deliver nothing', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app() }));
    stub.calls.length = 0;
    const same = await r.deploy(assembly({ S: app() }));
    expect(same.stacks[0]).toMatchObject({ success: true, noChanges: true, status: 'CREATE_COMPLETE' });
    const template = app();
    (template.Resources as any).Project.DependsOn = 'Profile';
    await r.deploy(assembly({ S: template }));
    expect(stub.calls).toEqual([]);
  });

  test('a new physical id on Update is a replacement: the old one is deleted after all creates and updates', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app({ project: { PhysicalId: 'p-one' } }) }));
    stub.calls.length = 0;

    const result = await r.deploy(assembly({ S: app({ project: { PhysicalId: 'p-two' } }) }));
    expect(result.success).toBe(true);
    expect(requests()).toEqual(['Update Project', 'Update Member', 'Delete Project']);
    expect(lastEvent('Update', 'Member').ResourceProperties.projectId).toBe('p-two');
    const cleanup = lastEvent('Delete', 'Project');
    expect(cleanup.PhysicalResourceId).toBe('p-one');
    expect(cleanup.ResourceProperties.PhysicalId).toBe('p-one');
    expect(r.readState().stacks.S.resources.Project.physicalResourceId).toBe('p-two');
    expect([...stub.resources.keys()]).not.toContain('p-one');
  });

  test('UpdateReplacePolicy Retain keeps the replaced physical resource', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app({ project: { PhysicalId: 'p-one' }, extra: {} }) }));
    const template = app({ project: { PhysicalId: 'p-two' } });
    (template.Resources as any).Project.UpdateReplacePolicy = 'Retain';
    stub.calls.length = 0;
    await r.deploy(assembly({ S: template }));
    expect(requests()).toEqual(['Update Project', 'Update Member']);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) DELETE_SKIPPED: retained');
  });

  test('removed resources are deleted in reverse dependency order; DeletionPolicy Retain is forgotten, not deleted', async () => {
    const r = runner();
    const v1 = app();
    (v1.Resources as any).Profile.DeletionPolicy = 'Retain';
    await r.deploy(assembly({ S: v1 }));
    stub.calls.length = 0;

    const v2: CfnTemplate = { Resources: { Project: app().Resources!.Project, ...base } };
    const result = await r.deploy(assembly({ S: v2 }));
    expect(result.success).toBe(true);
    expect(requests()).toEqual(['Delete Member']);
    expect(lines).toEqual(expect.arrayContaining([
      'S: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'S | Profile (Custom::CodeStarUserProfile) DELETE_SKIPPED: retained',
    ]));
    expect(Object.keys(r.readState().stacks.S.resources).sort()).toEqual(['Dev', 'Project', 'ProviderFn']);
  });

  test('destroy deletes in reverse order and empties the state', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app() }));
    stub.calls.length = 0;
    const result = await r.destroy();
    expect(result.success).toBe(true);
    expect(result.stacks[0].status).toBe('DELETE_COMPLETE');
    expect(requests()).toEqual(['Delete Member', 'Delete Project', 'Delete Profile']);
    expect(lastEvent('Delete', 'Member').ResourceProperties).toMatchObject({ projectRole: 'Contributor' });
    expect(r.readState().stacks).toEqual({});
    expect(stub.resources.size).toBe(0);
  });

  test('destroy retains resources with DeletionPolicy Retain', async () => {
    const r = runner();
    const template = app();
    (template.Resources as any).Profile.DeletionPolicy = 'Retain';
    await r.deploy(assembly({ S: template }));
    stub.calls.length = 0;
    const result = await r.destroy();
    expect(result.stacks[0].status).toBe('DELETE_COMPLETE');
    expect(requests()).toEqual(['Delete Member', 'Delete Project']);
    expect(lines).toContain('S | Profile (Custom::CodeStarUserProfile) DELETE_SKIPPED: retained');
    expect(r.readState().stacks).toEqual({});
  });

  test('destroy stops at a resource that fails to delete and keeps what depends on it', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app({ project: { FailOn: 'Delete' } }) }));
    stub.calls.length = 0;
    const result = await r.destroy();
    expect(result.success).toBe(false);
    expect(result.stacks[0].status).toBe('DELETE_FAILED');
    expect(result.stacks[0].reason).toContain('[Project');
    // Project could not be deleted, so what it depends on (ProviderFn) stays too; Dev was deletable.
    expect(Object.keys(r.readState().stacks.S.resources).sort()).toEqual(['Project', 'ProviderFn']);
    expect(r.readState().stacks.S.resources.Member).toBeUndefined();
  });
});

describe('rollback', () => {
  test('a failed create in a new stack deletes what was created, newest first; the failed one has nothing to delete', async () => {
    const result = await runner().deploy(assembly({ S: app({ member: { FailOn: 'Create' } }) }));
    expect(result.success).toBe(false);
    expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
    expect(result.stacks[0].reason).toContain('The following resource(s) failed to create: [Member]. stub: Create of Member failed');
    expect(requests()).toEqual(['Create Profile', 'Create Project', 'Create Member', 'Delete Project', 'Delete Profile']);
    expect(lines).toContain('S | Member (Custom::CodeStarTeamMember) CREATE_FAILED: stub: Create of Member failed');
    expect(runner().readState().stacks).toEqual({});
    expect(stub.resources.size).toBe(0);
  });

  test('when isComplete fails a create, the resource onEvent made is deleted', async () => {
    const result = await runner().deploy(assembly({ S: app({ project: { FailIsCompleteOn: 'Create' } }) }));
    expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
    expect(requests()).toEqual(['Create Profile', 'Create Project', 'Delete Project', 'Delete Profile']);
    expect(lastEvent('Delete', 'Project').PhysicalResourceId).toMatch(/^Project-/);
  });

  test('a failed update reverts every update with swapped properties (the failed one too) and deletes what was created', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app() }));
    const before = r.readState().stacks.S.resources;
    stub.calls.length = 0;

    const v2 = app({
      project: { name: 'Renamed' },
      member: { projectRole: 'Viewer', FailOn: 'Update' },
      extra: { Second: resource(PROFILE, { userArn: 'arn:aws:iam::123456789012:user/second', displayName: 'Second', emailAddress: 's@example.com' }) },
    });
    const result = await r.deploy(assembly({ S: v2 }));

    expect(result.stacks[0].status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(result.stacks[0].reason).toContain('failed to update: [Member]');
    expect(requests()).toEqual(['Update Project', 'Create Second', 'Update Member', 'Update Member', 'Update Project', 'Delete Second']);
    const [forward, back] = onEvents().filter(c => c.event.LogicalResourceId === 'Member').map(c => c.event);
    expect(back.ResourceProperties).toEqual(forward.OldResourceProperties);
    expect(back.OldResourceProperties).toEqual(forward.ResourceProperties);
    const projectBack = lastEvent('Update', 'Project');
    expect(projectBack.ResourceProperties.name).toBe('Demo');
    expect(projectBack.OldResourceProperties!.name).toBe('Renamed');
    expect(lines).toContain('S | Member (Custom::CodeStarTeamMember) UPDATE_IN_PROGRESS: rollback');

    const after = r.readState().stacks.S;
    expect(after.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(after.resources.Second).toBeUndefined();
    for (const id of ['Project', 'Member', 'Profile']) {
      expect(after.resources[id].properties).toEqual(before[id].properties);
      expect(after.resources[id].physicalResourceId).toBe(before[id].physicalResourceId);
    }
  });

  test('a failed update after a replacement deletes the new physical resource and restores the old', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app({ project: { PhysicalId: 'p-one' } }) }));
    stub.calls.length = 0;
    await r.deploy(assembly({ S: app({ project: { PhysicalId: 'p-two' }, member: { FailOn: 'Update' } }) }));
    expect(requests()).toEqual(['Update Project', 'Update Member', 'Update Member', 'Delete Project']);
    expect(lastEvent('Delete', 'Project').PhysicalResourceId).toBe('p-two');
    expect(r.readState().stacks.S.resources.Project.physicalResourceId).toBe('p-one');
  });

  test('Retain keeps a resource created by the failed deployment; RetainExceptOnCreate does not', async () => {
    const template = app({ member: { FailOn: 'Create' } });
    (template.Resources as any).Profile.DeletionPolicy = 'Retain';
    (template.Resources as any).Project.DeletionPolicy = 'RetainExceptOnCreate';
    await runner().deploy(assembly({ S: template }));
    expect(requests()).toEqual(['Create Profile', 'Create Project', 'Create Member', 'Delete Project']);
    expect(lines).toContain('S | Profile (Custom::CodeStarUserProfile) DELETE_SKIPPED: retained');
  });

  test('changing the ServiceToken is refused, without calling the handler for it', async () => {
    const r = runner();
    await r.deploy(assembly({ S: app() }));
    stub.calls.length = 0;
    const result = await r.deploy(assembly({ S: app({ project: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:other' } }) }));
    expect(result.stacks[0].reason).toContain('Modifying service token is not allowed.');
    expect(requests()).toEqual([]);
  });

  test('Fn::GetAtt of an attribute the handler did not return fails the dependent resource', async () => {
    const result = await runner().deploy(assembly({ S: app({ member: { projectId: { 'Fn::GetAtt': ['Project', 'Nope'] } } }) }));
    expect(result.stacks[0].reason).toContain("Vendor response doesn't contain Nope attribute");
    expect(requests()).toEqual(['Create Profile', 'Create Project', 'Delete Project', 'Delete Profile']);
  });
});

describe('timeouts and the framework contract', () => {
  test('isComplete polled past totalTimeout fails with "Operation timed out"', async () => {
    const result = await runner({ totalTimeoutMs: 3 }).deploy(assembly({ S: app({ project: { Polls: 10 } }) }));
    expect(result.stacks[0].reason).toContain('Operation timed out');
    expect(stub.calls.filter(c => c.entry === 'isComplete' && c.event.RequestType === 'Create' && c.event.LogicalResourceId === 'Project')).toHaveLength(3);
  });

  test('an invocation running past the Lambda timeout fails with "Task timed out"', async () => {
    const hanging: HandlerModule = { onEvent: () => new Promise(() => undefined) };
    const result = await runner({ handler: hanging, lambdaTimeoutMs: 20 }).deploy(assembly({ S: app() }));
    expect(result.stacks[0].reason).toContain('Task timed out after 0.02 seconds');
  });

  test('Data with IsComplete false, a changed physical id on Delete and oversized responses fail as the framework does', async () => {
    const handler: HandlerModule = {
      onEvent: (e: CustomResourceEvent) => (e.RequestType === 'Delete' ? { PhysicalResourceId: 'other' } : { PhysicalResourceId: `${e.LogicalResourceId}-id` }),
      isComplete: (e: CustomResourceEvent) => (e.LogicalResourceId === 'Project'
        ? { IsComplete: false, Data: { x: 1 } }
        : { IsComplete: true, Data: { Big: e.LogicalResourceId === 'Member' ? 'x'.repeat(5000) : 'small' } }),
    };
    const first = await runner({ handler }).deploy(assembly({ S: app() }));
    expect(first.stacks[0].reason).toContain('"Data" is not allowed if "IsComplete" is "False"');
    expect(first.stacks[0].status).toBe('ROLLBACK_FAILED'); // the rollback Delete changes the physical id
    expect(first.stacks[0].events.map(e => e.reason)).toContain('DELETE: cannot change the physical resource ID from "Profile-id" to "other" during deletion');

    const big = await runner({ handler, stateFile: path.join(dir, 'other.json') }).deploy(assembly({ T: { Resources: { Member: app().Resources!.Member, ...base, Profile: app().Resources!.Profile, Project: resource('Custom::Other', {}) } } }));
    expect(big.stacks[0].reason).toContain('Response object is too long.');
  });

  test('template errors are reported before anything is done', async () => {
    const result = await runner().deploy(assembly({ S: app({ member: { userArn: { Ref: 'Missing' } } }) }));
    expect(result.stacks[0]).toMatchObject({ success: false, status: 'VALIDATION_FAILED' });
    expect(result.stacks[0].reason).toBe('Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template');
    expect(stub.calls).toEqual([]);
    const cyclic = await runner().deploy(assembly({ S: app({ project: { name: { Ref: 'Member' } } }) }));
    expect(cyclic.stacks[0].reason).toMatch(/^Circular dependency between resources: \[.*Member.*Project.*\]/);
  });
});

describe('redelivery', () => {
  test('each request is delivered twice with the same RequestId; an idempotent handler makes no duplicates', async () => {
    const r = runner({ redeliver: true });
    const result = await r.deploy(assembly({ S: app() }));
    expect(result.success).toBe(true);
    expect(requests()).toEqual(['Create Profile', 'Create Profile', 'Create Project', 'Create Project', 'Create Member', 'Create Member']);
    const [a, b] = onEvents().filter(c => c.event.LogicalResourceId === 'Project').map(c => c.event);
    expect(b.RequestId).toBe(a.RequestId);
    expect(stub.creations()).toBe(3);
    expect(result.stacks[0].warnings).toEqual([]);
    expect(lines).toContain('S | Project (Custom::CodeStarProject) CREATE_IN_PROGRESS Create request redelivered (same RequestId)');
  });

  test('a handler that answers a redelivered request differently is reported', async () => {
    let n = 0;
    const handler: HandlerModule = { onEvent: () => ({ PhysicalResourceId: `id-${++n}` }) };
    const result = await runner({ handler, redeliver: e => e.LogicalResourceId === 'Project' }).deploy(assembly({ S: app() }));
    expect(result.stacks[0].warnings).toHaveLength(1);
    expect(result.stacks[0].warnings[0]).toMatch(/^Project: the redelivered Create request \(RequestId [0-9a-f-]+\) was answered differently: SUCCESS \(id-\d\) then SUCCESS \(id-\d\)$/);
    expect(result.success).toBe(true); // CloudFormation keeps the first answer
  });
});

describe('state and stacks', () => {
  test('deployed state persists between runner instances', async () => {
    const cdkOut = assembly({ S: app() });
    await runner().deploy(cdkOut);
    stub.calls.length = 0;
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf-8'));
    expect(state.version).toBe(1);
    expect(state.stacks.S.resources.Project).toMatchObject({ type: PROJECT, simulated: false, physicalResourceId: expect.stringMatching(/^Project-/) });
    expect(state.stacks.S.resources.Dev).toMatchObject({ simulated: true, physicalResourceId: 'dev' });

    const again = await runner().deploy(cdkOut);
    expect(again.stacks[0].noChanges).toBe(true);
    expect(stub.calls).toEqual([]);
    await runner().destroy();
    expect(requests()).toEqual(['Delete Member', 'Delete Project', 'Delete Profile']);
  });

  test('stacks deploy in dependency order, share exports, and are destroyed dependents first', async () => {
    const producer: CfnTemplate = {
      Resources: { Project: resource(PROJECT, { id: 'shared', name: 'Shared', PhysicalId: 'shared' }), ...base },
      Outputs: { Id: { Value: { Ref: 'Project' }, Export: { Name: 'SharedProjectId' } } },
    };
    const consumer: CfnTemplate = {
      Resources: {
        Member: resource(MEMBER, { projectId: { 'Fn::ImportValue': 'SharedProjectId' }, userArn: { 'Fn::GetAtt': ['Dev', 'Arn'] }, projectRole: 'Viewer' }),
        ...base,
      },
    };
    const r = runner();
    const result = await r.deploy(assembly({ Consumer: consumer, Producer: producer }, { dependencies: { Consumer: ['Producer'] } }));
    expect(result.stacks.map(s => s.stackName)).toEqual(['Producer', 'Consumer']);
    expect(lastEvent('Create', 'Member').ResourceProperties.projectId).toBe('shared');
    stub.calls.length = 0;
    await r.destroy();
    expect(requests()).toEqual(['Delete Member', 'Delete Project']);
  });

  test('simulated resources get deterministic, plausible values', async () => {
    const template: CfnTemplate = {
      Resources: {
        Member: resource(MEMBER, {
          projectId: 'demo',
          userArn: { 'Fn::GetAtt': ['Generated', 'Arn'] },
          projectRole: { 'Fn::GetAtt': ['Role', 'Arn'] },
          remoteAccessAllowed: { 'Fn::GetAtt': ['Machine', 'Name'] },
        }),
        Generated: { Type: 'AWS::IAM::User' },
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'worker', Path: '/service/' } },
        Machine: { Type: 'AWS::StepFunctions::StateMachine' },
        ...base,
      },
    };
    await runner().deploy(assembly({ S: template }));
    const props = lastEvent('Create', 'Member').ResourceProperties;
    expect(props.userArn).toMatch(/^arn:aws:iam::123456789012:user\/S-Generated-[A-Z0-9]{12}$/);
    expect(props.projectRole).toBe('arn:aws:iam::123456789012:role/service/worker');
    expect(props.remoteAccessAllowed).toMatch(/^S-Machine-[A-Z0-9]{12}$/);
    const first = props.userArn;
    stub.reset();
    fs.rmSync(path.join(dir, 'state.json'));
    await runner().deploy(assembly({ S: template }));
    expect(lastEvent('Create', 'Member').ResourceProperties.userArn).toBe(first);
  });

  test('CloudFormation delivers scalars as strings', () => {
    expect(stringifyScalars({ a: 1, b: [true, { c: false }], d: 'x', e: null })).toEqual({ a: '1', b: ['true', { c: 'false' }], d: 'x', e: null });
  });
});

describe('sensitive values', () => {
  test('are masked in failure reasons, even when the handler puts them there', async () => {
    const result = await runner().deploy(assembly({
      S: app({ profile: { FailOn: 'Create', FailMessage: 'profile Dev Eloper <dev@example.com> rejected' } }),
    }));
    const text = lines.join('\n');
    expect(text).toContain('profile *** <***> rejected');
    expect(text).not.toMatch(/Dev Eloper|dev@example\.com/);
    expect(result.stacks[0].reason).not.toContain('dev@example.com');
  });

  test('the ResponseURL is masked even when the handler prints it in an error', async () => {
    const handler: HandlerModule = {
      onEvent: (e: CustomResourceEvent) => {
        throw new Error(`could not PUT ${e.ResponseURL}`);
      },
    };
    await runner({ handler }).deploy(assembly({ S: app() }));
    expect(lines.join('\n')).toContain('could not PUT ***');
    expect(lines.join('\n')).not.toContain('X-Amz-Signature');
  });
});
