import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The CodeStar API model (`model/constraints.json`, a verbatim copy of the shared model), loaded at
 * run time. `src/local/x.ts` and `lib/local/x.js` are both two levels below the repository root, so
 * the same relative path works from the sources (ts-jest, ts-node) and from the compiled library.
 */
export const MODEL_FILE = path.join(__dirname, '..', '..', 'model', 'constraints.json');

/** The 18 operations, as the model names them (checked against the model when it is loaded). */
export const OPERATIONS = [
  'AssociateTeamMember',
  'CreateProject',
  'CreateUserProfile',
  'DeleteProject',
  'DeleteUserProfile',
  'DescribeProject',
  'DescribeUserProfile',
  'DisassociateTeamMember',
  'ListProjects',
  'ListResources',
  'ListTagsForProject',
  'ListTeamMembers',
  'ListUserProfiles',
  'TagProject',
  'UntagProject',
  'UpdateProject',
  'UpdateTeamMember',
  'UpdateUserProfile',
] as const;

export type CodeStarOperation = typeof OPERATIONS[number];

/** Operations that change state (the rest are Describe* and List*). */
export const MUTATING_OPERATIONS: ReadonlySet<CodeStarOperation> = new Set<CodeStarOperation>(
  OPERATIONS.filter(op => !op.startsWith('Describe') && !op.startsWith('List')),
);

export function isOperation(name: string): name is CodeStarOperation {
  return (OPERATIONS as readonly string[]).includes(name);
}

/** Inclusive bounds of a `length` or `range` trait; either end may be absent. */
export interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

/**
 * One member of an input or output structure, with its target shape's traits inlined; nested
 * structures, list members and map keys/values are expanded the same way.
 */
export interface MemberSpec {
  readonly shape: string;
  readonly type: string;
  readonly required?: boolean;
  readonly length?: Bounds;
  readonly range?: Bounds;
  readonly pattern?: string;
  readonly sensitive?: boolean;
  /** structure */
  readonly members?: Readonly<Record<string, MemberSpec>>;
  /** list */
  readonly member?: MemberSpec;
  /** map */
  readonly key?: MemberSpec;
  readonly value?: MemberSpec;
}

export type MembersSpec = Readonly<Record<string, MemberSpec>>;

export interface OperationSpec {
  readonly inputShape: string;
  readonly outputShape: string;
  readonly input: MembersSpec;
  readonly output: MembersSpec;
  readonly errors: readonly string[];
}

export interface ErrorSpec {
  readonly httpStatus: number;
  readonly fault: 'client' | 'server';
}

export interface CodeStarModel {
  /** `CodeStar_20170419`: the `X-Amz-Target` prefix. */
  readonly targetPrefix: string;
  readonly operations: Readonly<Record<CodeStarOperation, OperationSpec>>;
  readonly errors: Readonly<Record<string, ErrorSpec>>;
}

const cache = new Map<string, CodeStarModel>();

/** Loads (once per file) and sanity-checks the model. */
export function loadModel(file: string = MODEL_FILE): CodeStarModel {
  const cached = cache.get(file);
  if (cached) {
    return cached;
  }
  const raw = JSON.parse(fs.readFileSync(file, 'utf-8'));
  const names = Object.keys(raw.operations ?? {}).sort();
  if (names.join() !== [...OPERATIONS].sort().join()) {
    throw new Error(`${file}: expected the 18 CodeStar operations, found ${names.join(', ')}`);
  }
  const model: CodeStarModel = {
    targetPrefix: raw.targetPrefix,
    operations: raw.operations,
    errors: raw.errors,
  };
  cache.set(file, model);
  return model;
}
