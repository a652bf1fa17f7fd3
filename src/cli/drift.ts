import { parseCommandLine } from './arguments';
import { CodeStarReader, LiveProject, LiveTeamMember } from './codestar';
import { assemblyStacks, codeStarResources, deployedStacks, DeployedResource, stacksFromCloudFormation, STATE_FILE } from './deployed';
import { CommandError, EXIT, UsageError } from './errors';
import { CommandIo } from './io';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../private/contract';
import { isProjectId } from '../private/identifiers';
import { STRING_SHAPES, StringShape, StringShapeName } from '../private/model';
import { parseTeamMemberId, parseUserProfileId } from '../private/physical-ids';

export const DRIFT_USAGE = `Usage: cdk-codestar drift [ASSEMBLY] [options]

Compares every CodeStar resource that \`cdk-codestar deploy\` deployed for the stacks of a cloud
assembly (as ${STATE_FILE} records them) with what the CodeStar endpoint of
AWS_ENDPOINT_URL_CODESTAR holds now: the check CloudFormation's drift detection skips (it reports
custom resources as NOT_CHECKED). Each resource is IN_SYNC, DRIFTED (with the fields that differ),
MISSING (deleted outside the stack), or NOT_CHECKED (its physical id or properties are not this
library's). Only reads: nothing is changed. The values of sensitive fields (a project's name and
description, a profile's display name, e-mail address and SSH key) are never printed, only that
they differ. Every stack checked must have been deployed from this directory.

Exit code 0 when every resource is in sync (NOT_CHECKED ones aside), 1 when one drifted or is
missing, or a stack was never deployed, 2 for a wrong command line.

Arguments:
  ASSEMBLY              the cloud assembly directory                 (default: cdk.out)

Options:
  --stack <name>        check only this stack (repeatable)           (default: all stacks)
  --json                print the result as JSON on stdout
  --cloudformation      check the stacks CloudFormation deployed (their template and physical ids, read
                        with DescribeStacks, GetTemplate, ListStackResources; AWS_ENDPOINT_URL_CLOUDFORMATION
                        for a local stand-in) in the account the SDK's settings choose, instead of what
                        \`cdk-codestar deploy\` deployed
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;

export type DriftStatus = 'IN_SYNC' | 'DRIFTED' | 'MISSING' | 'NOT_CHECKED';

/** A field whose values may not be shown (sensitive in the API model, or personal data): only that it differs. */
export interface SensitiveDifference {
  readonly field: string;
  readonly sensitive: true;
}

export interface ValueDifference {
  readonly field: string;
  readonly sensitive: false;
  /** As deployed. */
  readonly expected: string | boolean;
  /** As CodeStar holds it now. */
  readonly actual: string | boolean;
}

/** The project's tags, by key: set outside the stack (added), deleted outside it (removed), or another value (changed). */
export interface TagsDifference {
  readonly field: 'tags';
  readonly sensitive: false;
  readonly added: Record<string, string>;
  readonly removed: Record<string, string>;
  readonly changed: Record<string, { readonly expected: string; readonly actual: string }>;
}

export type Difference = SensitiveDifference | ValueDifference | TagsDifference;

/** One resource's result. `reason` says why it is MISSING or NOT_CHECKED; `differences` what DRIFTED. */
export interface ResourceDrift {
  readonly logicalId: string;
  readonly type: string;
  readonly status: DriftStatus;
  readonly differences: readonly Difference[];
  readonly reason?: string;
}

export interface StackDrift {
  readonly stackName: string;
  readonly resources: readonly ResourceDrift[];
}

/** `cdk-codestar drift`: answers the exit code. */
export async function driftCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandLine(argv, {
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
      stack: { type: 'string', multiple: true },
      cloudformation: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const values = parsed.values as { help?: boolean; json?: boolean; stack?: string[]; cloudformation?: boolean };
  if (values.help === true) {
    io.out(DRIFT_USAGE);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(`one assembly directory at most, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  const assembly = parsed.positionals[0] ?? 'cdk.out';
  const names = assemblyStacks(io, assembly, values.stack).map(s => s.stackName);
  const fromCloudFormation = values.cloudformation === true;
  const deployed = fromCloudFormation ? await stacksFromCloudFormation(io, names) : deployedStacks(io);
  const never = names.filter(name => deployed[name] === undefined);
  if (never.length > 0) {
    const where = fromCloudFormation
      ? '(CloudFormation has no such stack): run `cdk deploy` first'
      : `from this directory (${STATE_FILE} has no record): run \`cdk-codestar deploy\` first`;
    throw new CommandError(`${never.length === 1 ? 'stack' : 'stacks'} ${never.join(', ')} of ${assembly} ${never.length === 1 ? 'was' : 'were'} never deployed `
      + `${where}, or name the deployed stacks with --stack`);
  }
  if (!fromCloudFormation && !io.env.AWS_ENDPOINT_URL_CODESTAR) {
    // What deploy deployed is on the endpoint it was given; another account would only be a false alarm.
    throw new CommandError('AWS_ENDPOINT_URL_CODESTAR is not set: drift reads the CodeStar endpoint that `cdk-codestar deploy` deployed to '
      + '(for the local one, AWS_ENDPOINT_URL_CODESTAR=http://127.0.0.1:4567)');
  }
  const checker = new DriftChecker(CodeStarReader.fromEnvironment(io.env));
  const stacks: StackDrift[] = [];
  for (const name of names) {
    const resources: ResourceDrift[] = [];
    for (const resource of codeStarResources(deployed[name])) {
      resources.push(await checker.check(resource));
    }
    stacks.push({ stackName: name, resources });
  }
  return report(stacks, values.json === true, io);
}

/** Project states in which the project is gone, or as good as gone. */
const GONE_STATES = ['DeleteInProgress', 'DeleteComplete'];

/** Checks deployed resources against CodeStar, reading each project's team once. */
export class DriftChecker {
  private readonly teams = new Map<string, Promise<LiveTeamMember[] | undefined>>();

  constructor(private readonly reader: CodeStarReader) {}

  public async check(resource: DeployedResource): Promise<ResourceDrift> {
    const { logicalId, record } = resource;
    const result = (status: DriftStatus, detail: { differences?: Difference[]; reason?: string } = {}): ResourceDrift => ({
      logicalId,
      type: record.type,
      status,
      differences: detail.differences ?? [],
      ...(detail.reason === undefined ? {} : { reason: detail.reason }),
    });
    try {
      const outcome = await this.compare(record.type, record.physicalResourceId, record.properties);
      return Array.isArray(outcome)
        ? result(outcome.length === 0 ? 'IN_SYNC' : 'DRIFTED', { differences: outcome })
        : result('MISSING', { reason: outcome.missing });
    } catch (e) {
      if (e instanceof Unrecognised) {
        return result('NOT_CHECKED', { reason: e.message });
      }
      // A service message may quote a user's ARN, whose name is often an e-mail address.
      throw new CommandError(`${resource.stackName} ${logicalId}: reading CodeStar failed: ${maskUserArns(`${(e as Error).name}: ${(e as Error).message}`)}`);
    }
  }

  /** The differences, or why the resource is missing. */
  private async compare(type: string, physicalId: string, properties: Record<string, unknown>): Promise<Difference[] | { missing: string }> {
    switch (type) {
      case PROJECT_RESOURCE_TYPE: {
        if (!isProjectId(physicalId)) {
          throw new Unrecognised('its physical id is no CodeStar project id');
        }
        const declared = {
          name: text(properties, 'name', true),
          description: text(properties, 'description') ?? '',
          tags: tags(properties),
        };
        const live = await this.projectOrGone(physicalId);
        if (live === undefined || GONE_STATES.includes(live.state ?? '')) {
          return { missing: `project ${physicalId} ${live === undefined ? 'does not exist' : 'is being deleted'}` };
        }
        return [
          ...compareText('name', 'ProjectName', declared.name, live.name),
          ...compareText('description', 'ProjectDescription', declared.description, live.description ?? ''),
          ...compareTags(declared.tags, live.tags),
        ];
      }
      case TEAM_MEMBER_RESOURCE_TYPE: {
        const id = parseTeamMemberId(physicalId);
        if (id === undefined) {
          throw new Unrecognised('its physical id is no team membership of this library');
        }
        const declared = { projectRole: text(properties, 'projectRole', true), remoteAccessAllowed: flag(properties, 'remoteAccessAllowed') };
        const team = await this.team(id.projectId);
        const live = team?.find(member => member.userArn === id.userArn);
        if (live === undefined) {
          return { missing: team === undefined ? `project ${id.projectId} does not exist` : `the user is no longer a team member of project ${id.projectId}` };
        }
        return [
          ...compareText('projectRole', 'Role', declared.projectRole, live.projectRole),
          ...compareFlag('remoteAccessAllowed', declared.remoteAccessAllowed, live.remoteAccessAllowed),
        ];
      }
      case USER_PROFILE_RESOURCE_TYPE: {
        const userArn = parseUserProfileId(physicalId)?.userArn;
        if (userArn === undefined) {
          throw new Unrecognised('its physical id is no user profile of this library');
        }
        const declared = {
          displayName: text(properties, 'displayName', true),
          emailAddress: text(properties, 'emailAddress', true),
          sshPublicKey: text(properties, 'sshPublicKey') ?? '',
        };
        const live = await this.reader.userProfile(userArn);
        if (live === undefined) {
          return { missing: 'the user has no profile' };
        }
        return [
          ...compareText('displayName', 'UserProfileDisplayName', declared.displayName, live.displayName),
          ...compareText('emailAddress', 'Email', declared.emailAddress, live.emailAddress),
          ...compareText('sshPublicKey', 'SshPublicKey', declared.sshPublicKey, live.sshPublicKey),
        ];
      }
      default:
        throw new Unrecognised(`${type} is no resource type of this library`);
    }
  }

  /**
   * The project, or undefined when it is gone: also when it went between DescribeProject and
   * ListTagsForProject (a project being deleted), which the reader does not catch.
   */
  private async projectOrGone(id: string): Promise<LiveProject | undefined> {
    try {
      return await this.reader.project(id);
    } catch (e) {
      if ((e as Error).name === 'ProjectNotFoundException') {
        return undefined;
      }
      throw e;
    }
  }

  private team(projectId: string): Promise<LiveTeamMember[] | undefined> {
    if (!this.teams.has(projectId)) {
      this.teams.set(projectId, this.reader.teamMembers(projectId));
    }
    return this.teams.get(projectId)!;
  }
}

/** A deployed resource this library cannot check: its message is the NOT_CHECKED reason (and names no value). */
class Unrecognised extends Error {}

/*
 * Deployed properties as CloudFormation delivered them: every scalar a string ('true' / 'false'
 * for booleans). A value of another shape is no deployment of this library: NOT_CHECKED, and the
 * reason names the property, never its value.
 */

function text(properties: Record<string, unknown>, key: string, required: true): string;
function text(properties: Record<string, unknown>, key: string): string | undefined;
function text(properties: Record<string, unknown>, key: string, required = false): string | undefined {
  const value = properties[key];
  if (typeof value === 'string' || (value === undefined && !required)) {
    return value;
  }
  throw new Unrecognised(`its deployed property ${key} is ${value === undefined ? 'absent' : 'not a string'}`);
}

/** Absent means false: the API's default. */
function flag(properties: Record<string, unknown>, key: string): boolean {
  const value = properties[key];
  if (value === undefined || value === false || value === 'false') {
    return false;
  }
  if (value === true || value === 'true') {
    return true;
  }
  throw new Unrecognised(`its deployed property ${key} is not a boolean`);
}

function tags(properties: Record<string, unknown>): Record<string, string> {
  const value = properties.tags;
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some(v => typeof v !== 'string')) {
    throw new Unrecognised('its deployed property tags is not a map of strings');
  }
  return value as Record<string, string>;
}

/**
 * Values the output never shows: the model's sensitive shapes, and the SSH key, which the model does
 * not mark but which is a user's personal data as much as the e-mail address (DESIGN.md).
 */
export function isSensitive(shape: StringShapeName): boolean {
  return (STRING_SHAPES[shape] as StringShape).traits?.sensitive === true || shape === 'SshPublicKey';
}

export function compareText(field: string, shape: StringShapeName, expected: string, actual: string): Difference[] {
  if (expected === actual) {
    return [];
  }
  return [isSensitive(shape) ? { field, sensitive: true } : { field, sensitive: false, expected, actual }];
}

function compareFlag(field: string, expected: boolean, actual: boolean): Difference[] {
  return expected === actual ? [] : [{ field, sensitive: false, expected, actual }];
}

export function compareTags(expected: Record<string, string>, actual: Record<string, string>): Difference[] {
  const added: Record<string, string> = {};
  const removed: Record<string, string> = {};
  const changed: Record<string, { expected: string; actual: string }> = {};
  for (const key of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    if (!Object.hasOwn(actual, key)) {
      removed[key] = expected[key];
    } else if (!Object.hasOwn(expected, key)) {
      added[key] = actual[key];
    } else if (expected[key] !== actual[key]) {
      changed[key] = { expected: expected[key], actual: actual[key] };
    }
  }
  const none = [added, removed, changed].every(map => Object.keys(map).length === 0);
  return none ? [] : [{ field: 'tags', sensitive: false, added, removed, changed }];
}

function maskUserArns(message: string): string {
  return message.replace(/(arn:aws[\w-]*:iam::\d{12}:user)\/[^\s"']+/g, '$1/***');
}

/** The results, as lines or as JSON on stdout; answers the exit code. */
function report(stacks: readonly StackDrift[], json: boolean, io: CommandIo): number {
  const resources = stacks.flatMap(s => s.resources);
  const count = (status: DriftStatus) => resources.filter(r => r.status === status).length;
  const inSync = count('DRIFTED') === 0 && count('MISSING') === 0;
  if (json) {
    io.out(JSON.stringify({
      inSync,
      summary: { resources: resources.length, inSync: count('IN_SYNC'), drifted: count('DRIFTED'), missing: count('MISSING'), notChecked: count('NOT_CHECKED') },
      stacks,
    }, undefined, 2));
  } else {
    for (const stack of stacks) {
      for (const r of stack.resources) {
        const detail = r.status === 'DRIFTED' ? r.differences.map(describeDifference).join('; ') : r.reason;
        io.out(`${stack.stackName} | ${r.logicalId} (${r.type}) ${r.status}${detail === undefined ? '' : `: ${detail}`}`);
      }
    }
    io.out(summaryLine(stacks.length, resources.length, [
      [count('IN_SYNC'), 'in sync'], [count('DRIFTED'), 'drifted'], [count('MISSING'), 'missing'], [count('NOT_CHECKED'), 'not checked'],
    ]));
  }
  return inSync ? EXIT.ok : EXIT.failed;
}

export function describeDifference(d: Difference): string {
  if ('added' in d) {
    const parts = [
      ...Object.entries(d.added).map(([key, value]) => `${quote(key)} added (actual ${quote(value)})`),
      ...Object.entries(d.removed).map(([key, value]) => `${quote(key)} removed (expected ${quote(value)})`),
      ...Object.entries(d.changed).map(([key, { expected, actual }]) => `${quote(key)} changed (expected ${quote(expected)}, actual ${quote(actual)})`),
    ];
    return `tags: ${parts.join(', ')}`;
  }
  return d.sensitive ? `${d.field} differs (value not shown)` : `${d.field}: expected ${d.expected}, actual ${d.actual}`;
}

/** Tag keys and values may be empty or hold spaces. */
const quote = (value: string) => JSON.stringify(value);

function summaryLine(stackCount: number, resourceCount: number, counts: ReadonlyArray<readonly [number, string]>): string {
  const checked = `${resourceCount} CodeStar ${resourceCount === 1 ? 'resource' : 'resources'} in ${stackCount} ${stackCount === 1 ? 'stack' : 'stacks'}`;
  const nonZero = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return `${checked}: ${nonZero.length === 0 ? 'nothing to check' : nonZero.join(', ')}`;
}
