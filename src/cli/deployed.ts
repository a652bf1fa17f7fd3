import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationReader } from './cloudformation';
import { CodeStarReader } from './codestar';
import { CommandError } from './errors';
import { CommandIo } from './io';
import { CODESTAR_RESOURCE_TYPES, loadCloudAssembly } from '../local/runner';
import type { AssemblyStack } from '../local/runner';
import { StateFile } from '../local/runner/state';
import type { ResourceState, StackState } from '../local/runner/state';

/** Where `deploy` keeps what it deployed, relative to the working directory. */
export const STATE_DIR = '.cdk-codestar';
export const STATE_FILE = path.join(STATE_DIR, 'state.json');

/** A CodeStar resource of a deployed stack, as the runner's state records it. */
export interface DeployedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly record: ResourceState;
}

/** The state `deploy` keeps in the working directory (empty when nothing was deployed from here). */
export function deployedStacks(io: CommandIo): Readonly<Record<string, StackState>> {
  return new StateFile(path.join(io.cwd, STATE_FILE)).load().stacks;
}

/** The CodeStar resources of a deployed stack, in logical id order. */
export function codeStarResources(stack: StackState): DeployedResource[] {
  return Object.entries(stack.resources)
    .filter(([, record]) => CODESTAR_RESOURCE_TYPES.includes(record.type) && !record.simulated)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([logicalId, record]) => ({ stackName: stack.stackName, logicalId, record }));
}

/**
 * The cloud assembly's stacks (all, or those `--stack` names; a name it does not hold is an error),
 * with a clear error when the directory is no assembly.
 */
export function assemblyStacks(io: CommandIo, assembly: string, names?: readonly string[]): AssemblyStack[] {
  const dir = path.resolve(io.cwd, assembly);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new CommandError(`${assembly} is not a cloud assembly (no manifest.json): run \`cdk synth\` first, or give the assembly directory`);
  }
  const stacks = loadCloudAssembly(dir);
  const unknown = (names ?? []).filter(name => !stacks.some(s => s.stackName === name));
  if (unknown.length > 0) {
    throw new CommandError(`${assembly} has no stack ${unknown.join(', ')} (stacks: ${stacks.map(s => s.stackName).join(', ')})`);
  }
  return stacks.filter(s => names === undefined || names.includes(s.stackName));
}

/**
 * The named stacks as CloudFormation describes them (`--cloudformation`), in the runner's state
 * shape; a stack CloudFormation does not hold is left out.
 */
export async function stacksFromCloudFormation(io: CommandIo, names: readonly string[]): Promise<Record<string, StackState>> {
  const reader = CloudFormationReader.fromEnvironment(io.env, CodeStarReader.fromEnvironment(io.env));
  const stacks: Record<string, StackState> = {};
  for (const name of names) {
    const stack = await reader.stack(name);
    if (stack !== undefined) {
      stacks[name] = stack;
    }
  }
  return stacks;
}

/** Runs `work` with the stacks in a runner state file of its own (private, removed afterwards). */
export async function withStateFile<T>(stacks: Record<string, StackState>, work: (stateFile: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-codestar-deployed-'));
  try {
    const file = new StateFile(path.join(dir, 'state.json'));
    file.save({ version: 1, stacks });
    return await work(file.file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
