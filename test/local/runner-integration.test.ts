import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { App, CfnOutput, CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { tempDir, writeAssembly } from './helpers';
import type { CfnTemplate } from '../../src/local/cfn/template';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { LifecycleRunner } from '../../src/local/runner';

const STUB = path.join(__dirname, 'fixtures', 'stub-handler.js');
const SDK_HANDLER = path.join(__dirname, 'fixtures', 'sdk-project-handler.js');
const stub = createRequire(__filename)(STUB) as { calls: Array<{ entry: string; event: any }>; reset(): void };

let dir: string;
let lines: string[];

beforeEach(() => {
  dir = tempDir();
  lines = [];
  stub.reset();
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('an app synthesized by aws-cdk-lib deploys and destroys (raw CustomResources of the CodeStar types)', () => {
  const outdir = path.join(dir, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Synth');
  const user = new iam.User(stack, 'Dev');
  const fn = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const project = new CustomResource(stack, 'Project', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::CodeStarProject',
    properties: { id: 'synth', name: 'Synth', tags: { count: 2 } },
  });
  new CustomResource(stack, 'Member', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::CodeStarTeamMember',
    properties: { projectId: project.ref, userArn: user.userArn, projectRole: 'Owner', remoteAccessAllowed: false },
  });
  new CfnOutput(stack, 'ProjectAttr', { value: project.getAttString('Attr') });
  app.synth();

  const runner = new LifecycleRunner({ stateFile: path.join(dir, 'state.json'), handler: STUB, pollIntervalMs: 1, writer: l => lines.push(l) });
  return (async () => {
    const deployed = await runner.deploy(outdir);
    expect(deployed.success).toBe(true);
    const created = stub.calls.filter(c => c.entry === 'onEvent').map(c => c.event);
    expect(created.map(e => `${e.RequestType} ${e.ResourceType}`)).toEqual(['Create Custom::CodeStarProject', 'Create Custom::CodeStarTeamMember']);
    const [projectEvent, memberEvent] = created;
    expect(projectEvent.ServiceToken).toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:Synth-Handler/);
    expect(projectEvent.ResourceProperties).toEqual({ ServiceToken: projectEvent.ServiceToken, id: 'synth', name: 'Synth', tags: { count: '2' } });
    expect(memberEvent.ResourceProperties).toMatchObject({
      projectId: expect.stringMatching(/^Project/),
      userArn: expect.stringMatching(/^arn:aws:iam::123456789012:user\/Synth-Dev[\w-]+$/),
      remoteAccessAllowed: 'false',
    });
    expect(deployed.stacks[0].outputs).toEqual({ ProjectAttr: 'none' });

    stub.calls.length = 0;
    const destroyed = await runner.destroy();
    expect(destroyed.success).toBe(true);
    expect(stub.calls.filter(c => c.entry === 'onEvent').map(c => `${c.event.RequestType} ${c.event.LogicalResourceId}`))
      .toEqual([expect.stringMatching(/^Delete Member/), expect.stringMatching(/^Delete Project/)]);
  })();
}, 60_000);

describe('runner + SDK handler + local endpoint', () => {
  let cs: LocalCodeStar;

  beforeAll(async () => {
    cs = await startLocalCodeStar();
  });

  afterAll(() => cs.close());

  beforeEach(() => cs.reset());

  const template = (name: string, id = 'e2e'): CfnTemplate => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function' },
      Project: { Type: 'Custom::CodeStarProject', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] }, id, name } },
    },
    Outputs: { Arn: { Value: { 'Fn::GetAtt': ['Project', 'Arn'] } } },
  });

  const runner = (options = {}) => new LifecycleRunner({
    stateFile: path.join(dir, 'state.json'), handler: SDK_HANDLER, codeStarEndpoint: cs.url, pollIntervalMs: 1, writer: l => lines.push(l), ...options,
  });

  test('deploy, update, destroy a project over HTTP; a redelivered Create makes one project', async () => {
    const r = runner({ redeliver: true });
    const deployed = await r.deploy(writeAssembly(path.join(dir, 'v1'), { E2E: template('First') }));
    expect(deployed.success).toBe(true);
    expect(deployed.stacks[0].outputs.Arn).toBe('arn:aws:codestar:us-east-1:123456789012:project/e2e');
    expect(cs.state.projects().map(p => [p.id, p.status.state])).toEqual([['e2e', 'CreateComplete']]);
    expect(cs.calls('CreateProject').map(c => c.status)).toEqual([200, 200]);

    await r.deploy(writeAssembly(path.join(dir, 'v2'), { E2E: template('Second') }));
    expect(cs.state.project('e2e')!.name).toBe('Second');

    await r.destroy();
    expect(cs.state.projects()).toEqual([]);
    expect(cs.mutatingCalls().map(c => c.operation)).toEqual(['CreateProject', 'CreateProject', 'UpdateProject', 'UpdateProject', 'DeleteProject', 'DeleteProject']);
  });

  test('a project that ends in CreateFailed fails the deploy, which rolls back by deleting it', async () => {
    cs.state.failProjectCreation('broken', 'Stack awscodestar-broken failed');
    const result = await runner().deploy(writeAssembly(path.join(dir, 'v1'), { E2E: template('Broken', 'broken') }));
    expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
    expect(result.stacks[0].reason).toContain('project broken: CreateFailed: Stack awscodestar-broken failed');
    expect(cs.calls('DeleteProject')).toHaveLength(1);
    expect(cs.state.projects()).toEqual([]);
  });

  test('an endpoint fault surfaces as the resource failure reason', async () => {
    cs.faults.throttle({ operations: ['CreateProject'] });
    const result = await runner().deploy(writeAssembly(path.join(dir, 'v1'), { E2E: template('Throttled') }));
    expect(result.stacks[0].reason).toContain('Rate exceeded');
    expect(lines.join('\n')).toContain('E2E | Project (Custom::CodeStarProject) CREATE_FAILED: Rate exceeded');
  });
});
