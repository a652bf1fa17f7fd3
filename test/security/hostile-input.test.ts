import fc from 'fast-check';
import { cfnEvent, lambdaContext, LambdaContainer, leaked, userArn } from './helpers';
import { MAX_REASON_LENGTH } from '../../lambda/errors';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { STRING_SHAPES, StringShapeName } from '../../src/private/model';

/**
 * Malformed events thrown at the real bundle: missing or wrongly typed envelope fields and
 * properties, unknown resource and request types, prototype-pollution keys, strings past the API
 * model's limits, characters outside its patterns. Every one must end in a clean error (one line,
 * at most MAX_REASON_LENGTH characters, no stack frames, no sensitive input quoted) and change
 * nothing: the local endpoint records no successful mutating call. Seeded and bounded, so that a
 * failure reproduces.
 */

const SEED = 20240731;
const NUM_RUNS = 200;

const PROJECT = 'Custom::CodeStarProject';
const MEMBER = 'Custom::CodeStarTeamMember';
const PROFILE = 'Custom::CodeStarUserProfile';
type ResourceType = typeof PROJECT | typeof MEMBER | typeof PROFILE;
const TYPES: readonly ResourceType[] = [PROJECT, MEMBER, PROFILE];
const ALICE = userArn('hostile-alice');

const SENSITIVE = {
  name: 'Hostile Canary Project Name',
  description: 'Hostile canary confidential description',
  parameter: 'hostile-canary-parameter-value',
  displayName: 'Hostile Canary Person',
  email: 'hostile.canary@example.org',
  ssh: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileCanaryKey0001 someone@host',
};

/** Valid properties of each type, as CloudFormation delivers them (scalars as strings). */
const VALID: Record<ResourceType, Record<string, unknown>> = {
  [PROJECT]: {
    id: 'hostile',
    name: SENSITIVE.name,
    description: SENSITIVE.description,
    toolchain: { source: { s3: { bucketName: 'assets-bucket', bucketKey: 'toolchain.yml' } }, stackParameters: { ApiKey: SENSITIVE.parameter } },
    sourceCode: [{ source: { s3: { bucketName: 'assets-bucket', bucketKey: 'seed.zip' } }, destination: { codeCommit: { name: 'repo' } } }],
    tags: { team: 'blue' },
    deleteStack: 'false',
  },
  [MEMBER]: { projectId: 'hostile', userArn: ALICE, projectRole: 'Viewer', remoteAccessAllowed: 'false' },
  [PROFILE]: { userArn: ALICE, displayName: SENSITIVE.displayName, emailAddress: SENSITIVE.email, sshPublicKey: SENSITIVE.ssh },
};
const PHYSICAL_ID: Record<ResourceType, string> = { [PROJECT]: 'hostile', [MEMBER]: `hostile|${ALICE}`, [PROFILE]: ALICE };
const REQUIRED: Record<ResourceType, string[]> = { [PROJECT]: ['id', 'name'], [MEMBER]: ['projectId', 'userArn', 'projectRole'], [PROFILE]: ['userArn', 'displayName', 'emailAddress'] };
const BOOLEANS = new Set(['deleteStack', 'remoteAccessAllowed']);
/** String members the service checks against a length limit of the model (and whether a pattern rules out non-ASCII). */
const LIMITED: Record<ResourceType, Array<[string, StringShapeName, boolean]>> = {
  [PROJECT]: [['id', 'ProjectId', true], ['name', 'ProjectName', false], ['description', 'ProjectDescription', false]],
  [MEMBER]: [['projectId', 'ProjectId', true], ['userArn', 'UserArn', true], ['projectRole', 'Role', true]],
  [PROFILE]: [['userArn', 'UserArn', true], ['displayName', 'UserProfileDisplayName', false], ['emailAddress', 'Email', true]],
};
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const maxLength = (shape: StringShapeName) => (STRING_SHAPES[shape].traits as { length?: { max?: number } }).length?.max ?? 64;

// ---- arbitraries ------------------------------------------------------------------------------

const anyUnicode = fc.string({ unit: 'binary', maxLength: 40 });
const notAString = fc.oneof(
  fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const notABoolean = fc.oneof(fc.integer(), fc.string().filter(s => s !== 'true' && s !== 'false'), fc.array(fc.boolean(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const nonAscii = fc.integer({ min: 0x80, max: 0x10ffff }).map(cp => String.fromCodePoint(cp));
/** Line breaks and control characters, which a reason must never carry over. */
const lineBreaking = fc.string({ unit: fc.constantFrom('a', '-', '\n', '\r', '\u2028', '\u2029', '\u0085', '\u0000', '\u001b'), minLength: 1, maxLength: 20 });

interface Case {
  readonly stage: 'onEvent' | 'isComplete';
  readonly event: unknown;
  readonly what: string;
}

/** A valid request of a type, to corrupt. */
const request = fc.record({
  type: fc.constantFrom(...TYPES),
  requestType: fc.constantFrom('Create' as const, 'Update' as const, 'Delete' as const),
  stage: fc.constantFrom('onEvent' as const, 'isComplete' as const),
}).map(({ type, requestType, stage }) => {
  const properties = { ...VALID[type] };
  const options = requestType === 'Create' && stage === 'onEvent' ? {} : { physicalResourceId: PHYSICAL_ID[type] };
  return { type, requestType, stage, event: cfnEvent(requestType, type, properties, requestType === 'Update' ? { ...options, oldProperties: properties } : options) };
});

/** The envelope fields a request of this kind cannot do without. */
function requiredEnvelope(requestType: string, stage: string): string[] {
  return ['RequestType', 'ResourceType', 'LogicalResourceId', 'StackId', 'RequestId',
    ...(requestType !== 'Create' || stage === 'isComplete' ? ['PhysicalResourceId'] : []),
    ...(requestType === 'Update' && stage === 'onEvent' ? ['OldResourceProperties'] : [])];
}

const envelopeCorruption: fc.Arbitrary<Case> = request.chain(({ requestType, stage, event }) => fc.oneof(
  fc.constantFrom(...requiredEnvelope(requestType, stage)).map(field => {
    const { [field]: _removed, ...rest } = event;
    return { stage, event: rest, what: `without ${field}` };
  }),
  fc.tuple(fc.constantFrom(...requiredEnvelope(requestType, stage)), fc.oneof(notAString, fc.constant(''), fc.constant(null)))
    .filter(([field, value]) => !(field === 'OldResourceProperties' && typeof value === 'object' && value !== null && !Array.isArray(value)))
    .map(([field, value]) => ({ stage, event: { ...event, [field]: value }, what: `${field} = ${JSON.stringify(value)}` })),
  fc.oneof(fc.string(), anyUnicode, lineBreaking, fc.constantFrom(...PROTOTYPE_KEYS)).filter(t => !(TYPES as string[]).includes(t))
    .map(resourceType => ({ stage, event: { ...event, ResourceType: resourceType }, what: `ResourceType ${JSON.stringify(resourceType)}` })),
  fc.oneof(fc.string(), fc.constantFrom('create', 'CREATE', 'Get', '__proto__')).filter(t => !['Create', 'Update', 'Delete'].includes(t))
    .map(requestTypeValue => ({ stage, event: { ...event, RequestType: requestTypeValue }, what: `RequestType ${JSON.stringify(requestTypeValue)}` })),
  fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.string(), fc.integer(), fc.constant(null))
    .map(value => ({ stage, event: { ...event, ResourceProperties: value }, what: `ResourceProperties = ${JSON.stringify(value)}` })),
));

/** The wrong type for a member: whatever its decoder refuses. */
function wrongType(member: string, valid: unknown): fc.Arbitrary<unknown> {
  if (BOOLEANS.has(member)) {
    return notABoolean;
  }
  return typeof valid === 'string' ? notAString : fc.oneof(fc.integer(), fc.string(), fc.boolean());
}

/** Corrupted properties of a Create or Update: the handler must refuse them, or the service does. */
const propertyCorruption: fc.Arbitrary<Case> = fc.record({
  type: fc.constantFrom(...TYPES),
  requestType: fc.constantFrom('Create' as const, 'Update' as const),
}).chain(({ type, requestType }) => {
  const valid = VALID[type];
  const present = Object.keys(valid);
  const base = cfnEvent(requestType, type, {}, requestType === 'Update' ? { physicalResourceId: PHYSICAL_ID[type], oldProperties: valid } : {});
  const corrupt = (properties: Record<string, unknown>, what: string): Case => ({
    stage: 'onEvent',
    event: { ...base, ResourceProperties: { ServiceToken: (base.ResourceProperties as Record<string, unknown>).ServiceToken, ...properties } },
    what: `${requestType} ${type} ${what}`,
  });
  return fc.oneof(
    fc.constantFrom(...REQUIRED[type]).map(member => {
      const { [member]: _removed, ...rest } = valid;
      return corrupt(rest, `without ${member}`);
    }),
    fc.constantFrom(...present).chain(member => wrongType(member, valid[member])
      .map(value => corrupt({ ...valid, [member]: value }, `${member} = ${JSON.stringify(value)}`))),
    fc.tuple(
      fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ minLength: 1 }), anyUnicode, lineBreaking)
        .filter(key => key !== '' && !present.includes(key) && key !== 'ServiceToken' && key !== 'ServiceTimeout'),
      fc.jsonValue(),
    ).map(([key, value]) => corrupt({ ...valid, [key]: value }, `with unknown member ${JSON.stringify(key)}`)),
    fc.tuple(fc.constantFrom(...LIMITED[type]), fc.integer({ min: 1, max: 20_000 })).map(([[member, shape], extra]) => {
      const value = `${String(valid[member])}${'x'.repeat(maxLength(shape))}`.padEnd(maxLength(shape) + extra, 'y');
      return corrupt({ ...valid, [member]: value }, `${member} ${value.length} characters long`);
    }),
    fc.tuple(fc.constantFrom(...LIMITED[type].filter(([, , ascii]) => ascii)), nonAscii, fc.nat()).map(([[member], char, at]) => {
      const original = String(valid[member]);
      const i = at % (original.length + 1);
      return corrupt({ ...valid, [member]: `${original.slice(0, i)}${char}${original.slice(i)}` }, `${member} with ${JSON.stringify(char)}`);
    }),
  );
});

/** Not an event at all. */
const garbage: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom('onEvent' as const, 'isComplete' as const), fc.oneof(fc.anything(), fc.object()))
  .map(([stage, event]) => ({ stage, event, what: 'garbage' }));

// ---- the property -------------------------------------------------------------------------------

let codestar: LocalCodeStar;
let container: LambdaContainer;

beforeAll(async () => {
  codestar = await startLocalCodeStar();
  // The project and membership exist, so that an update or a delete would have something to change.
  codestar.state.seedProject({ id: 'hostile', name: SENSITIVE.name, description: SENSITIVE.description });
  codestar.state.seedTeamMember('hostile', { userArn: ALICE, projectRole: 'Viewer' });
  codestar.state.seedUserProfile({ userArn: ALICE, displayName: SENSITIVE.displayName, emailAddress: SENSITIVE.email, sshPublicKey: SENSITIVE.ssh });
  container = await LambdaContainer.start({ AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: codestar.url });
});

afterAll(async () => {
  await container.close();
  await codestar.close();
});

/** Invokes the bundle as Lambda would (the event through JSON) and checks the failure is clean. */
async function expectCleanFailure({ stage, event, what }: Case): Promise<void> {
  // Lambda delivers JSON: `__proto__` arrives as an own key, undefined members are gone.
  const delivered = event === undefined ? null : JSON.parse(JSON.stringify(event));
  let error: Error | undefined;
  try {
    await container[stage](delivered, lambdaContext(10_000));
  } catch (e) {
    error = e as Error;
  }
  const context = `${stage} ${what}`;
  expect([context, error !== undefined]).toEqual([context, true]);
  const message = error!.message;
  expect([context, message.length <= MAX_REASON_LENGTH, /[\r\n\u2028\u2029]/.test(message)]).toEqual([context, true, false]);
  expect([context, error!.stack]).toEqual([context, `HandlerError: ${message}`]);
  expect([context, leaked(message, Object.values(SENSITIVE))]).toEqual([context, []]);
  expect([context, codestar.mutatingCalls()]).toEqual([context, []]);
}

describe('malformed events end in a clean, short error and change nothing', () => {
  test('a malformed envelope', async () => {
    await fc.assert(fc.asyncProperty(envelopeCorruption, expectCleanFailure), { numRuns: NUM_RUNS, seed: SEED });
  });

  test('malformed properties of a Create or Update', async () => {
    await fc.assert(fc.asyncProperty(propertyCorruption, expectCleanFailure), { numRuns: NUM_RUNS, seed: SEED });
  });

  test('anything that is not an event', async () => {
    await fc.assert(fc.asyncProperty(garbage, expectCleanFailure), { numRuns: NUM_RUNS / 2, seed: SEED });
  });

  test('prototype-pollution keys leave no trace on the container\'s Object.prototype', async () => {
    // Were any of these ever merged into Object.prototype, an event without RequestType would inherit one.
    const payload = JSON.stringify({ RequestType: 'Delete', ResourceType: PROFILE, LogicalResourceId: 'x', StackId: 'x', RequestId: 'x', PhysicalResourceId: ALICE });
    const poisoned = (json: string) => `{"__proto__":${payload},"constructor":{"prototype":${payload}},${json.slice(1)}`;
    const properties = poisoned(JSON.stringify(VALID[PROJECT]).replace('"tags":{', `"tags":${poisoned('{}').slice(0, -2)},`));
    const event = cfnEvent('Update', PROJECT, {}, { physicalResourceId: 'hostile', oldProperties: VALID[PROJECT] });
    const json = poisoned(JSON.stringify({ ...event, ResourceProperties: '<properties>', OldResourceProperties: '<properties>' }))
      .split('"<properties>"').join(properties);
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toContain('__proto__');
    expect(Object.keys(parsed.ResourceProperties.tags)).toEqual(['__proto__', 'constructor', 'team']);

    await container.onEvent(parsed, lambdaContext(10_000)).catch(() => undefined);
    await container.isComplete(parsed, lambdaContext(10_000)).catch(() => undefined);
    const probe = await container.onEvent({}, lambdaContext(10_000)).catch((e: Error) => e.message);

    expect(probe).toBe('Malformed event: RequestType is missing');
    expect(codestar.mutatingCalls()).toEqual([]);
  });

  test('what the bundle printed meanwhile carries no sensitive input either', () => {
    expect(container.text).toContain('"event":"failed"');
    expect(leaked(container.text, Object.values(SENSITIVE))).toEqual([]);
  });
});
