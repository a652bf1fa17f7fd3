import * as sdk from '@aws-sdk/client-codestar';
import { codeStarClient } from './helpers';
import { breakingPattern, distinctKeys, fits, ofLength, requiredOnly, validString, validValue } from './model-values';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { CodeStarOperation, loadModel, MemberSpec, MembersSpec, OPERATIONS } from '../../src/local/model';

/**
 * Walks constraints.json: for every constrained input member of every operation (nested
 * structures, list members, map keys and values included) one request per violated rule must be
 * a ValidationException naming the member and the rule, and edge-valid values must pass validation.
 * Nothing here lists members or constraints by hand.
 */

interface Step {
  readonly key: string | number;
  /** Spec of the value held at `key`. */
  readonly spec: MemberSpec;
}

interface Target {
  readonly operation: CodeStarOperation;
  /** From the request root down to the constrained value (for map keys: down to the map). */
  readonly steps: readonly Step[];
  /** The member path as the endpoint names it in messages. */
  readonly display: string;
  readonly role: 'member' | 'listMember' | 'mapKey' | 'mapValue';
  readonly spec: MemberSpec;
  /** The map's spec, for map keys and values. */
  readonly map?: MemberSpec;
}

function* walk(operation: CodeStarOperation, members: MembersSpec, steps: Step[] = [], display = ''): Generator<Target> {
  for (const [name, spec] of Object.entries(members)) {
    yield* walkValue(operation, spec, [...steps, { key: name, spec }], display ? `${display}.${name}` : name, 'member');
  }
}

function* walkValue(operation: CodeStarOperation, spec: MemberSpec, steps: Step[], display: string, role: Target['role'], map?: MemberSpec): Generator<Target> {
  yield { operation, steps, display, role, spec, map };
  if (spec.type === 'structure') {
    yield* walk(operation, spec.members ?? {}, steps, display);
  } else if (spec.type === 'list') {
    yield* walkValue(operation, spec.member!, [...steps, { key: 0, spec: spec.member! }], `${display}.1.member`, 'listMember');
  } else if (spec.type === 'map') {
    yield { operation, steps, display, role: 'mapKey', spec: spec.key!, map: spec };
    yield* walkValue(operation, spec.value!, [...steps, { key: validString(spec.key!), spec: spec.value! }], display, 'mapValue', spec);
  }
}

/** The request with everything required, plus the path down to the target, plus documented companions. */
function requestFor(target: Target, change: (parent: Record<string | number, unknown>, key: string | number) => void): Record<string, unknown> {
  const input = loadModel().operations[target.operation].input;
  const request = requiredOnly(input);
  // Documented, unmodelled pairings ("if specified, the request must also include toolchain").
  const top = input[target.steps[0].key as string] as MemberSpec & { docNote?: string };
  const companion = /must also include (\w+)/.exec(top.docNote ?? '')?.[1];
  if (companion && input[companion] && request[companion] === undefined) {
    request[companion] = validValue(input[companion]);
  }
  let parent: any = request;
  target.steps.slice(0, -1).forEach(step => {
    parent[step.key] ??= validValue(step.spec);
    parent = parent[step.key];
  });
  change(parent, target.steps[target.steps.length - 1].key);
  return request;
}

interface Case {
  readonly name: string;
  readonly target: Target;
  readonly request: Record<string, unknown>;
  /** A substring of the broken rule; undefined for edge-valid values. */
  readonly rule?: string;
}

function casesFor(target: Target): Case[] {
  const { spec, role } = target;
  const cases: Case[] = [];
  const put = (value: unknown) => requestFor(target, (parent, key) => {
    if (role === 'mapKey') {
      parent[key] = { [value as string]: validValue(target.map!.value!) };
    } else {
      parent[key] = value;
    }
  });
  const bad = (what: string, value: unknown, rule: string) => cases.push({ name: `${target.display} (${role}) ${what}`, target, request: put(value), rule });
  const good = (what: string, value: unknown) => cases.push({ name: `${target.display} (${role}) ${what}`, target, request: put(value) });

  if (spec.required && role === 'member') {
    cases.push({
      name: `${target.display} missing`,
      target,
      rule: 'Member must not be null',
      request: requestFor(target, (parent, key) => { delete parent[key]; }),
    });
  }
  if (spec.type === 'string') {
    const valid = validString(spec);
    const { min, max } = spec.length ?? {};
    if (min !== undefined && min > 0) {
      bad(`shorter than ${min}`, ofLength(spec, valid, min - 1) ?? 'a'.repeat(min - 1), `length greater than or equal to ${min}`);
    }
    if (max !== undefined) {
      bad(`longer than ${max}`, ofLength(spec, valid, max + 1) ?? 'a'.repeat(max + 1), `length less than or equal to ${max}`);
    }
    if (spec.pattern !== undefined) {
      const breaking = breakingPattern(spec);
      if (breaking === undefined) {
        throw new Error(`cannot break the pattern of ${target.operation} ${target.display}`);
      }
      bad(`breaking ${spec.pattern}`, breaking, 'regular expression pattern');
    }
    for (const edge of new Set([min, max].filter((n): n is number => n !== undefined))) {
      const value = ofLength(spec, valid, edge, v => fits(spec, v));
      if (value === undefined) {
        throw new Error(`cannot make a valid ${target.operation} ${target.display} of length ${edge}`);
      }
      good(`of length ${edge}`, value);
    }
    if (spec.length === undefined && spec.pattern !== undefined) {
      good('valid', valid);
    }
  }
  if (spec.type === 'integer' && spec.range) {
    const { min, max } = spec.range;
    if (min !== undefined) {
      bad(`below ${min}`, min - 1, `value greater than or equal to ${min}`);
      good(`= ${min}`, min);
    }
    if (max !== undefined) {
      bad(`above ${max}`, max + 1, `value less than or equal to ${max}`);
      good(`= ${max}`, max);
    }
  }
  if (spec.type === 'map' && spec.length) {
    const entries = (n: number) => Object.fromEntries(distinctKeys(spec.key!, n).map(k => [k, validValue(spec.value!)]));
    if (spec.length.max !== undefined) {
      bad(`with ${spec.length.max + 1} entries`, entries(spec.length.max + 1), `length less than or equal to ${spec.length.max}`);
      good(`with ${spec.length.max} entries`, entries(spec.length.max));
    }
    good(`with ${spec.length.min ?? 0} entries`, entries(spec.length.min ?? 0));
  }
  return cases;
}

const model = loadModel();
const allCases = OPERATIONS.flatMap(op => [...walk(op, model.operations[op].input)].flatMap(casesFor));
const violations = allCases.filter(c => c.rule !== undefined);
const edges = allCases.filter(c => c.rule === undefined);

let cs: LocalCodeStar;
let client: sdk.CodeStarClient;

beforeAll(async () => {
  cs = await startLocalCodeStar();
  client = codeStarClient(cs.url);
});

afterAll(async () => {
  client.destroy();
  await cs.close();
});

async function send(operation: CodeStarOperation, request: Record<string, unknown>): Promise<unknown> {
  const Command = (sdk as unknown as Record<string, new (input: unknown) => any>)[`${operation}Command`];
  return client.send(new Command(request));
}

test('every operation has constrained members to check', () => {
  const covered = new Set(violations.map(c => c.target.operation));
  expect([...covered].sort()).toEqual([...OPERATIONS].sort());
  // nested structures, list members, map keys/values and map sizes are all reached
  expect(violations.map(c => c.target.display)).toEqual(expect.arrayContaining([
    'sourceCode.1.member.destination.gitHub.name', 'toolchain.stackParameters', 'tags',
  ]));
  expect(new Set(allCases.map(c => c.target.role))).toEqual(new Set(['member', 'listMember', 'mapKey', 'mapValue']));
});

test.each(OPERATIONS.map(op => [op]))('%s: a request with the required members only passes validation', async operation => {
  const request = requiredOnly(model.operations[operation].input);
  const outcome = await send(operation, request).then(() => 'ok', (e: Error) => e.name);
  expect(outcome).not.toBe('ValidationException');
});

describe.each(OPERATIONS.map(op => [op]))('%s', operation => {
  const mine = violations.filter(c => c.target.operation === operation);
  const myEdges = edges.filter(c => c.target.operation === operation);

  test.each(mine.map(c => [c.name, c]))('rejects %s', async (_name, c) => {
    const e: any = await send(operation, c.request).then(() => undefined, (err: Error) => err);
    expect(e?.name).toBe('ValidationException');
    expect(e.message).toContain(`at '${c.target.display}' failed to satisfy constraint:`);
    expect(e.message).toContain(c.rule);
    // Nothing else is wrong with the request (a too-short value may also break its pattern).
    expect(new Set([...e.message.matchAll(/at '([^']*)'/g)].map((m: RegExpMatchArray) => m[1]))).toEqual(new Set([c.target.display]));
  });

  if (myEdges.length > 0) {
    test.each(myEdges.map(c => [c.name, c]))('accepts %s', async (_name, c) => {
      const outcome = await send(operation, c.request).then(() => 'ok', (err: Error) => err.name);
      expect(outcome).not.toBe('ValidationException');
    });
  }
});
