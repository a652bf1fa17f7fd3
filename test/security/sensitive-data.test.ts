import {
  cfnEvent, CREATE_FAILED_MARKER, synthExample, FakeSecretsManager, FrameworkOptions, FrameworkRun, LambdaContainer, leaked, MAX_RESPONSE_BYTES,
  startFakeSecretsManager, throughFramework, userArn,
} from './helpers';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { STRING_SHAPES } from '../../src/private/model';

/**
 * Every lifecycle path and error path of the real handler bundle, against the local CodeStar
 * endpoint and a fake Secrets Manager, through an emulation of aws-cdk-lib's Provider framework that
 * produces the very body CloudFormation receives. Everything the handler prints is captured.
 *
 * Guarantees: no GitHub token, email address, display name, SSH key, sensitive project value
 * (name, description, template parameter value) or pre-signed ResponseURL in any output or any
 * response; `Data` holds only the documented, non-sensitive attributes; every response stays under
 * CloudFormation's 4096 bytes, even with every input at the API model's maximum length.
 */

const PROJECT = 'Custom::CodeStarProject';
const MEMBER = 'Custom::CodeStarTeamMember';
const PROFILE = 'Custom::CodeStarUserProfile';

const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf';
const JSON_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-json-GhIjKl';
const MALFORMED_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-malformed-MnOpQr';
const MISSING_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-missing-StUvWx';

/** Values that must never be printed or returned. Distinctive, so that a hit is never a coincidence. */
const CANARY = {
  token: 'ghp_CanaryPlainToken00000000000000000001',
  jsonToken: 'ghp_CanaryJsonFieldToken0000000000000002',
  malformedSecret: '{"token": ghp_CanaryMalformedSecret0000000003',
  projectName: 'Canary Nightingale Project',
  projectName2: 'Canary Nightingale Renamed',
  description: 'Canary confidential merger tooling',
  description2: 'Canary confidential acquisition plan',
  parameter: 'canary-template-parameter-secret',
  displayName: 'Canary Alice Liddell',
  displayName2: 'Canary Alice Pleasance',
  foreignDisplayName: 'Canary Bob Stranger',
  email: 'canary.alice+pii@example.org',
  email2: 'canary.alice.new@example.net',
  foreignEmail: 'canary.bob.stranger@example.com',
  ssh: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICanarySshKeyMaterialAlice0001 alice@canary-laptop',
  ssh2: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICanarySshKeyMaterialAlice0002 alice@canary-desktop',
  foreignSsh: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCanaryForeignSshKey0003 bob@elsewhere',
  invalidSsh: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICanaryNotLatin1\u0100Key0004 dave@canary',
};
const EMAIL_ADDRESS = /[\w.+-]+@[\w-]+\.[\w.-]+/;

const ALICE = userArn('canary-alice');
const BOB = userArn('canary-bob');
const CAROL = userArn('canary-carol');
const DAVE = userArn('canary-dave');

const S3 = { s3: { bucketName: 'cdk-assets-bucket', bucketKey: 'seed.zip' } };
const TOOLCHAIN_S3 = { s3: { bucketName: 'cdk-assets-bucket', bucketKey: 'toolchain.yml' } };

function gitHubProject(id: string, tokenSecretArn: string, overrides: Record<string, unknown> = {}, tokenSecretJsonField?: string) {
  return {
    id,
    name: CANARY.projectName,
    description: CANARY.description,
    sourceCode: [{
      source: S3,
      destination: {
        gitHub: {
          name: `${id}-repo`,
          description: 'Seed repository',
          type: 'User',
          owner: 'octo-canary',
          privateRepository: true,
          issuesEnabled: false,
          tokenSecretArn,
          ...(tokenSecretJsonField ? { tokenSecretJsonField } : {}),
        },
      },
    }],
    toolchain: { source: TOOLCHAIN_S3, stackParameters: { ProjectId: id, ApiKey: CANARY.parameter } },
    tags: { team: 'blue' },
    deleteStack: true,
    ...overrides,
  };
}

function profile(user: string, overrides: Record<string, unknown> = {}) {
  return { userArn: user, displayName: CANARY.displayName, emailAddress: CANARY.email, sshPublicKey: CANARY.ssh, ...overrides };
}

let codestar: LocalCodeStar;
let secrets: FakeSecretsManager;
let container: LambdaContainer;
const runs: Array<{ label: string; event: Record<string, unknown>; run: FrameworkRun }> = [];

beforeAll(async () => {
  codestar = await startLocalCodeStar({ transitions: { describes: 1 } });
  secrets = await startFakeSecretsManager({
    [TOKEN_ARN]: CANARY.token,
    [JSON_TOKEN_ARN]: JSON.stringify({ token: CANARY.jsonToken, other: 'x' }),
    [MALFORMED_ARN]: CANARY.malformedSecret,
  });
  container = await LambdaContainer.start({ AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url });
});

afterAll(async () => {
  await container.close();
  await codestar.close();
  await secrets.close();
});

/** Runs one request through the framework, keeping it for the checks below. */
async function run(label: string, event: Record<string, unknown>, options?: FrameworkOptions): Promise<FrameworkRun> {
  const result = await throughFramework(container, event, options);
  runs.push({ label, event, run: result });
  return result;
}

async function expectRun(label: string, event: Record<string, unknown>, status: 'SUCCESS' | 'FAILED', reason?: RegExp, options?: FrameworkOptions) {
  const result = await run(label, event, options);
  expect([label, result.status, result.status === 'FAILED' ? result.response.Reason : '']).toEqual([label, status, reason ? expect.stringMatching(reason) : expect.anything()]);
  return result;
}

describe('every lifecycle and error path of the bundle', () => {
  test('projects: create (GitHub token), redelivery, in-place update, creation-only and replacing updates, deletes, failures', async () => {
    const created = cfnEvent('Create', PROJECT, gitHubProject('canary-gh', TOKEN_ARN), { logicalResourceId: 'Project' });
    await expectRun('create', created, 'SUCCESS');
    await expectRun('redelivered create', created, 'SUCCESS');
    expect(secrets.requests).toEqual([TOKEN_ARN, TOKEN_ARN]);

    const old = gitHubProject('canary-gh', TOKEN_ARN);
    const renamed = gitHubProject('canary-gh', TOKEN_ARN, { name: CANARY.projectName2, description: CANARY.description2, tags: { team: 'red' } });
    await expectRun('update in place', cfnEvent('Update', PROJECT, renamed, { physicalResourceId: 'canary-gh', oldProperties: old }), 'SUCCESS');
    const reseeded = gitHubProject('canary-gh', TOKEN_ARN, { name: CANARY.projectName2, toolchain: { source: TOOLCHAIN_S3, stackParameters: { ApiKey: `${CANARY.parameter}-2` } } });
    // Creation-only inputs are not applied, and the log says so without naming them.
    await expectRun('sourceCode/toolchain change, not applied', cfnEvent('Update', PROJECT, reseeded, { physicalResourceId: 'canary-gh', oldProperties: renamed }),
      'SUCCESS');
    // The rollback of a failed update runs with malformed old properties: it must still succeed.
    await expectRun('rollback with unparseable old properties', cfnEvent('Update', PROJECT, renamed, {
      physicalResourceId: 'canary-gh', oldProperties: { ...renamed, name: { nested: CANARY.projectName } },
    }), 'SUCCESS');

    const replacement = gitHubProject('canary-gh2', JSON_TOKEN_ARN, {}, 'token');
    await expectRun('replacement', cfnEvent('Update', PROJECT, replacement, { physicalResourceId: 'canary-gh', oldProperties: renamed }), 'SUCCESS');
    await expectRun('delete of the replaced project', cfnEvent('Delete', PROJECT, renamed, { physicalResourceId: 'canary-gh' }), 'SUCCESS');
    await expectRun('delete of a project that is gone', cfnEvent('Delete', PROJECT, renamed, { physicalResourceId: 'canary-gh' }), 'SUCCESS');
    await expectRun('delete after a failed create', cfnEvent('Delete', PROJECT, renamed, { physicalResourceId: CREATE_FAILED_MARKER }), 'SUCCESS');

    await expectRun('missing secret', cfnEvent('Create', PROJECT, gitHubProject('canary-nosecret', MISSING_ARN)), 'FAILED',
      /^GetSecretValue failed: ResourceNotFoundException/);
    await expectRun('secret that is not JSON', cfnEvent('Create', PROJECT, gitHubProject('canary-badjson', MALFORMED_ARN, {}, 'token')), 'FAILED',
      /is not JSON, so it has no field 'token'/);
    await expectRun('secret without the field', cfnEvent('Create', PROJECT, gitHubProject('canary-nofield', JSON_TOKEN_ARN, {}, 'missing')), 'FAILED',
      /has no non-empty string field 'missing'/);

    // A service error that quotes every sensitive input back.
    const echo = codestar.faults.error('ValidationException', {
      operations: ['CreateProject'],
      times: 1,
      // On several lines, with control characters: the reason must still be one line.
      message: `bad name ${CANARY.projectName},\ndescription ${CANARY.description},\r\n parameter ${CANARY.parameter},\u2028\u0007token ${CANARY.token}`,
    });
    await expectRun('service error echoing inputs', cfnEvent('Create', PROJECT, gitHubProject('canary-echo', TOKEN_ARN)), 'FAILED',
      /^CreateProject failed: ValidationException: bad name \*\*\*, description \*\*\*, parameter \*\*\*, token \*\*\*\n/);
    echo.remove();

    codestar.state.failProjectCreation('canary-fails', `Stack for ${CANARY.projectName} failed: parameter ${CANARY.parameter} rejected`);
    await expectRun('creation that fails in CodeStar', cfnEvent('Create', PROJECT, gitHubProject('canary-fails', TOKEN_ARN)), 'FAILED',
      /^Project canary-fails CreateFailed: Stack for \*\*\* failed: parameter \*\*\* rejected\n/);
    await expectRun('delete of the failed project', cfnEvent('Delete', PROJECT, gitHubProject('canary-fails', TOKEN_ARN), { physicalResourceId: 'canary-fails' }), 'SUCCESS');

    const throttle = codestar.faults.throttle({ operations: ['CreateProject'] });
    await expectRun('throttled until the deadline', cfnEvent('Create', PROJECT, gitHubProject('canary-slow', TOKEN_ARN)), 'FAILED',
      /^CreateProject did not succeed before the handler's deadline/, { lambdaTimeoutMs: 1_500 });
    throttle.remove();

    // CodeStar still busy with the project when the project's own timeout is over.
    codestar.state.setProjectStatus('canary-gh2', 'UpdateInProgress');
    await expectRun('wait that runs out', cfnEvent('Update', PROJECT, { ...replacement, timeoutSeconds: 1 }, {
      physicalResourceId: 'canary-gh2', oldProperties: replacement,
    }), 'FAILED', /^Project canary-gh2 is still UpdateInProgress after its timeout of 1 seconds/, { pollIntervalMs: 400, maxPolls: 10 });
    codestar.state.setProjectStatus('canary-gh2', 'UpdateComplete');
    await expectRun('final delete', cfnEvent('Delete', PROJECT, replacement, { physicalResourceId: 'canary-gh2' }), 'SUCCESS');
  });

  test('user profiles: create, redelivery, update, conflicts, echoes, replacement, deletes', async () => {
    const created = cfnEvent('Create', PROFILE, profile(ALICE), { logicalResourceId: 'AliceProfile' });
    await expectRun('create', created, 'SUCCESS');
    await expectRun('redelivered create', created, 'SUCCESS');
    const changed = profile(ALICE, { displayName: CANARY.displayName2, emailAddress: CANARY.email2, sshPublicKey: CANARY.ssh2 });
    await expectRun('update', cfnEvent('Update', PROFILE, changed, { physicalResourceId: ALICE, oldProperties: profile(ALICE) }), 'SUCCESS');
    await expectRun('update without usable old properties', cfnEvent('Update', PROFILE, profile(ALICE), {
      physicalResourceId: ALICE, oldProperties: { userArn: ALICE, emailAddress: [CANARY.email2] },
    }), 'SUCCESS');

    codestar.state.seedUserProfile({
      userArn: BOB, displayName: CANARY.foreignDisplayName, emailAddress: CANARY.foreignEmail, sshPublicKey: CANARY.foreignSsh,
    });
    await expectRun('someone else\'s profile', cfnEvent('Create', PROFILE, profile(BOB)), 'FAILED', /already exists with other settings/);

    const echo = codestar.faults.error('ValidationException', {
      operations: ['CreateUserProfile'],
      times: 1,
      message: `Value '${CANARY.email}' for ${CANARY.displayName} with key ${CANARY.ssh} is invalid`,
    });
    await expectRun('service error echoing personal data', cfnEvent('Create', PROFILE, profile(CAROL)), 'FAILED',
      /^CreateUserProfile failed: ValidationException: Value '\*\*\*' for \*\*\* with key \*\*\* is invalid\n/);
    echo.remove();
    // The model does not mark sshPublicKey sensitive, so the service quotes an invalid one back.
    await expectRun('invalid SSH key quoted by the service', cfnEvent('Create', PROFILE, profile(DAVE, { sshPublicKey: CANARY.invalidSsh })),
      'FAILED', /^CreateUserProfile failed: ValidationException: 1 validation error detected: Value '\*\*\*' at 'sshPublicKey'/);
    await expectRun('malformed properties', cfnEvent('Create', PROFILE, { ...profile(DAVE), emailAddress: { value: CANARY.email } }), 'FAILED',
      /^Invalid Custom::CodeStarUserProfile properties: emailAddress must be a string\n/);

    await expectRun('replacement', cfnEvent('Update', PROFILE, profile(CAROL), { physicalResourceId: ALICE, oldProperties: changed }), 'SUCCESS');
    await expectRun('delete of the replaced profile', cfnEvent('Delete', PROFILE, changed, { physicalResourceId: ALICE }), 'SUCCESS');
    await expectRun('delete of a profile that is gone', cfnEvent('Delete', PROFILE, changed, { physicalResourceId: ALICE }), 'SUCCESS');
    const throttle = codestar.faults.throttle({ operations: ['DeleteUserProfile'] });
    await expectRun('throttled delete', cfnEvent('Delete', PROFILE, profile(CAROL), { physicalResourceId: CAROL }), 'FAILED',
      /did not succeed before the handler's deadline/, { lambdaTimeoutMs: 1_000 });
    throttle.remove();
  });

  test('team members: create, adoption, update, replacement, deletes, failures', async () => {
    codestar.state.seedProject({ id: 'canary-team', name: CANARY.projectName, description: CANARY.description });
    const member = { projectId: 'canary-team', userArn: ALICE, projectRole: 'Contributor', remoteAccessAllowed: true };
    const created = cfnEvent('Create', MEMBER, member);
    await expectRun('create', created, 'SUCCESS');
    await expectRun('redelivered create', created, 'SUCCESS');
    await expectRun('update', cfnEvent('Update', MEMBER, { ...member, projectRole: 'Viewer' }, {
      physicalResourceId: `canary-team|${ALICE}`, oldProperties: member,
    }), 'SUCCESS');
    const admin = { projectId: 'canary-team', userArn: codestar.callerUserArn, projectRole: 'Owner' };
    const adopted = await expectRun('adoption of the creator\'s membership', cfnEvent('Create', MEMBER, admin), 'SUCCESS');
    await expectRun('delete of an adopted membership', cfnEvent('Delete', MEMBER, admin, { physicalResourceId: adopted.response.PhysicalResourceId }), 'SUCCESS');
    await expectRun('replacement', cfnEvent('Update', MEMBER, { ...member, userArn: BOB }, {
      physicalResourceId: `canary-team|${ALICE}`, oldProperties: member,
    }), 'SUCCESS');
    await expectRun('delete', cfnEvent('Delete', MEMBER, member, { physicalResourceId: `canary-team|${ALICE}` }), 'SUCCESS');
    await expectRun('delete of a membership that is gone', cfnEvent('Delete', MEMBER, member, { physicalResourceId: `canary-team|${ALICE}` }), 'SUCCESS');
    await expectRun('member of a missing project', cfnEvent('Create', MEMBER, { ...member, projectId: 'canary-none' }), 'FAILED',
      /^AssociateTeamMember failed: ProjectNotFoundException/);
    await expectRun('invalid role', cfnEvent('Create', MEMBER, { ...member, projectRole: 'Admin' }), 'FAILED', /^AssociateTeamMember failed: ValidationException/);
  });

  test('malformed envelopes and unknown types carrying personal data', async () => {
    const event = cfnEvent('Create', PROFILE, profile(ALICE));
    await expectRun('unknown type', { ...event, ResourceType: 'Custom::Unknown' }, 'FAILED', /^Unsupported resource type Custom::Unknown\n/);
    await expectRun('no RequestType', { ...event, RequestType: undefined }, 'FAILED', /^Malformed event: RequestType is missing\n/);
    await expectRun('properties not an object', { ...event, ResourceProperties: [CANARY.email] }, 'FAILED', /^Malformed event: ResourceProperties is not an object\n/);
    await expectRun('update without old properties', { ...event, RequestType: 'Update', PhysicalResourceId: ALICE }, 'FAILED',
      /^Malformed event: OldResourceProperties is missing\n/);
  });
});

describe('what the bundle printed and returned', () => {
  const canaries = () => [...Object.values(CANARY), ...runs.map(r => String(r.event.ResponseURL)), 'X-Amz-Signature'];

  test('the scenarios ran and were captured', () => {
    expect(runs.length).toBeGreaterThan(40);
    expect(container.text).toContain('"event":"request"');
    expect(container.text).toContain('"event":"failed"');
  });

  test('no output line carries a secret, personal data or a ResponseURL', () => {
    expect(leaked(container.text, canaries())).toEqual([]);
    expect(container.text).not.toMatch(EMAIL_ADDRESS);
  });

  test('no response, and nothing the bundle returned or threw, carries one', () => {
    for (const { label, run: result } of runs) {
      const everything = [result.body, ...result.returned.map(r => (r instanceof Error ? `${r.message}\n${r.stack}` : JSON.stringify(r)))].join('\n');
      expect([label, leaked(everything, canaries())]).toEqual([label, []]);
      expect([label, EMAIL_ADDRESS.test(everything)]).toEqual([label, false]);
    }
  });

  test('a failure reason is one short line, with no stack frames', () => {
    const failures = runs.filter(r => r.run.status === 'FAILED' && r.run.error !== undefined);
    expect(failures.length).toBeGreaterThan(15);
    for (const { label, run: result } of failures) {
      expect([label, result.error!.length <= 500, /[\r\n]/.test(result.error!)]).toEqual([label, true, false]);
      // The Lambda trace the framework appends after the log line is the first line only: nothing.
      expect([label, result.errorStack]).toEqual([label, `HandlerError: ${result.error}`]);
    }
  });

  test('Data holds only the documented attributes', () => {
    const allowed: Record<string, string[]> = {
      [PROJECT]: ['Id', 'Arn', 'StackId', 'ProjectTemplateId'],
      [MEMBER]: ['ProjectId', 'UserArn'],
      [PROFILE]: ['UserArn'],
    };
    for (const { label, event, run: result } of runs.filter(r => r.run.status === 'SUCCESS' && r.event.RequestType !== 'Delete')) {
      const keys = Object.keys(result.response.Data ?? {}).sort();
      expect([label, keys]).toEqual([label, [...allowed[event.ResourceType as string]].sort()]);
      expect(Object.values(result.response.Data).every(v => typeof v === 'string')).toBe(true);
    }
  });

  test('every response is under 4096 bytes', () => {
    for (const { label, run: result } of runs) {
      expect([label, Buffer.byteLength(result.body) < MAX_RESPONSE_BYTES]).toEqual([label, true]);
    }
  });
});

describe('responses with every input at its maximum length stay under 4096 bytes', () => {
  const max = (shape: keyof typeof STRING_SHAPES) => (STRING_SHAPES[shape].traits as { length?: { max?: number } }).length!.max!;
  // CloudFormation: stack names up to 128 characters, logical ids up to 255, Lambda names up to 64.
  const stackId = `arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/${'S'.repeat(128)}/3f1c2b9a-0d4e-4b7a-9c1f-2a6b8e0d4c11`;
  const logicalResourceId = 'L'.repeat(255);
  const functionName = 'F'.repeat(64);
  const projectId = `m${'x'.repeat(max('ProjectId') - 1)}`;
  const longUser = userArn('u'.repeat(max('UserArn') - userArn('').length));
  // Three UTF-8 bytes per character, and characters JSON escapes to six bytes each.
  const heavy = `€${'\u0001€𝄞'.repeat(2000)}`;
  const sizes: Array<[string, number]> = [];

  async function measure(label: string, event: Record<string, unknown>, status: 'SUCCESS' | 'FAILED') {
    const result = await run(label, event, { functionName });
    expect([label, result.status]).toEqual([label, status]);
    sizes.push([label, Buffer.byteLength(result.body)]);
  }

  test('for each resource type, succeeding and failing', async () => {
    expect(longUser.length).toBe(max('UserArn'));
    const options = { stackId, logicalResourceId };
    const project = {
      id: projectId,
      name: 'n'.repeat(max('ProjectName')),
      description: 'd'.repeat(max('ProjectDescription')),
      sourceCode: [{ source: S3, destination: { codeCommit: { name: 'r'.repeat(max('RepositoryName')) } } }],
      toolchain: {
        source: TOOLCHAIN_S3,
        stackParameters: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`${i}`.padEnd(max('TemplateParameterKey'), 'k'), 'v'.repeat(max('TemplateParameterValue'))])),
      },
      tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(max('TagKey'), 'k'), 't'.repeat(max('TagValue'))])),
      deleteStack: true,
    };
    await measure('project create', cfnEvent('Create', PROJECT, project, options), 'SUCCESS');
    await measure('project update', cfnEvent('Update', PROJECT, { ...project, name: 'N'.repeat(100) }, { ...options, physicalResourceId: projectId, oldProperties: project }), 'SUCCESS');
    await measure('member create', cfnEvent('Create', MEMBER, { projectId, userArn: userArn('x'.repeat(64)), projectRole: 'Contributor', remoteAccessAllowed: true }, options), 'SUCCESS');
    codestar.state.seedTeamMember(projectId, { userArn: longUser, projectRole: 'Contributor' });
    await measure('member adopted (the longest physical id)', cfnEvent('Create', MEMBER, { projectId, userArn: longUser, projectRole: 'Viewer' }, options), 'SUCCESS');
    const longProfile = { userArn: longUser, displayName: 'n'.repeat(max('UserProfileDisplayName')), emailAddress: `${'e'.repeat(max('Email') - 12)}@example.org`, sshPublicKey: 'k'.repeat(max('SshPublicKey')) };
    await measure('profile create', cfnEvent('Create', PROFILE, longProfile, options), 'SUCCESS');

    for (const [type, operation, properties] of [
      [PROJECT, 'CreateProject', { ...project, id: 'm-failing' }],
      [MEMBER, 'AssociateTeamMember', { projectId, userArn: userArn('v'.repeat(64)), projectRole: 'Owner' }],
      [PROFILE, 'CreateUserProfile', { ...longProfile, userArn: userArn('w'.repeat(64)) }],
    ] as const) {
      const fault = codestar.faults.error('ValidationException', { operations: [operation], times: 1, message: heavy });
      await measure(`${type} create failing with the heaviest reason`, cfnEvent('Create', type, properties, options), 'FAILED');
      fault.remove();
    }
    codestar.state.failProjectCreation('m-stack-fails', '€𝄞'.repeat(341));
    await measure('project failing in isComplete', cfnEvent('Create', PROJECT, { ...project, id: 'm-stack-fails' }, options), 'FAILED');
    await measure('member delete', cfnEvent('Delete', MEMBER, {}, { ...options, physicalResourceId: `${projectId}|${longUser}` }), 'SUCCESS');
    await measure('project delete', cfnEvent('Delete', PROJECT, project, { ...options, physicalResourceId: projectId }), 'SUCCESS');

    for (const [label, bytes] of sizes) {
      expect([label, bytes < MAX_RESPONSE_BYTES]).toEqual([label, true]);
    }
    // The heaviest reason is cut to 500 characters of at most 3 bytes: well inside the limit.
    expect(Math.max(...sizes.map(([, bytes]) => bytes))).toBeLessThan(3000);
  });
});

describe('the stack\'s functions', () => {
  test('are the handler\'s one function, logging as it is: one JSON line per event, never a property value', () => {
    // No Provider framework function, whose application log would print every request with its
    // properties (aws/aws-cdk#30275), and so none to silence.
    const { template } = synthExample('initial');
    const functions = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id)).toEqual(['CodeStarProvider8f3c2aProviderframeworkonEvent737B3291']);
    const [[, handler]] = functions;
    expect(handler.Properties.Environment?.Variables?.USER_ON_EVENT_FUNCTION_ARN).toBeUndefined();
    expect(handler.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
    expect(template.Resources[handler.Properties.LoggingConfig.LogGroup.Ref].Type).toBe('AWS::Logs::LogGroup');
  });
});
