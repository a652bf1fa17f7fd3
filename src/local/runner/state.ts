import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnTemplate } from '../cfn/template';

/** What the runner remembers about a deployed resource. */
export interface ResourceState {
  readonly type: string;
  readonly physicalResourceId: string;
  /** Resolved properties, as delivered in the last successful request (scalars as strings). */
  readonly properties: Record<string, unknown>;
  /** Data of the last successful response (Fn::GetAtt answers from it). */
  readonly data: Record<string, unknown>;
  /** Logical ids this resource depended on when it was last deployed (for deletion order). */
  readonly dependsOn: readonly string[];
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
  /** Not driven through a handler: only Ref/GetAtt values were made up. */
  readonly simulated: boolean;
}

export interface StackState {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly account: string;
  status: string;
  /** Stack names this stack depends on. */
  dependencies: readonly string[];
  resources: Record<string, ResourceState>;
  outputs: Record<string, string>;
  exports: Record<string, string>;
  /** The template of the last successful deploy (absent in state written before it was kept). */
  template?: CfnTemplate;
  /** Parameter values of the last successful deploy. */
  parameters?: Record<string, string>;
}

export interface RunnerState {
  readonly version: 1;
  readonly stacks: Record<string, StackState>;
}

/** The runner's state file: JSON, written atomically after every resource operation. */
export class StateFile {
  constructor(public readonly file: string) {}

  public load(): RunnerState {
    if (!fs.existsSync(this.file)) {
      return { version: 1, stacks: {} };
    }
    const state = JSON.parse(fs.readFileSync(this.file, 'utf-8')) as RunnerState;
    if (state.version !== 1 || typeof state.stacks !== 'object') {
      throw new Error(`${this.file}: not a cdk-codestar-local state file (version ${String(state.version)})`);
    }
    return state;
  }

  public save(state: RunnerState): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, undefined, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
