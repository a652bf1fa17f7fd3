/**
 * The code of a stack's Lambda functions as Lambda holds it once deployed. When the runner deploys
 * a stack from a cloud assembly it keeps a copy of each function's staged asset, by the S3 object
 * key the template names (`Code.S3Key`), in a folder next to its state file; a custom resource's
 * request then runs the code its ServiceToken names, with that function's Handler, Timeout and
 * environment variables: the code the cloud assembly held when the function was deployed, also
 * after that assembly is gone (a destroy).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FunctionModule } from './function';
import { functionNameOf } from './provider';
import type { ResourceState } from './state';

/** Asset object keys are content hashes with an extension: nothing else becomes a folder name. */
const OBJECT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export class DeployedCode {
  constructor(private readonly dir: string) {}

  /** Keeps a staged asset folder once (object keys are content hashes: a kept one never changes). */
  public keep(objectKey: string, source: string): void {
    const target = this.folderOf(objectKey);
    if (!target || fs.existsSync(target) || !fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    // Copied aside, then renamed: a folder that exists is always complete.
    const partial = `${target}.${process.pid}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(source, partial, { recursive: true });
    try {
      fs.renameSync(partial, target);
    } catch (e) {
      // Another process kept the same code first: its copy is the same content.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(target)) {
        throw e;
      }
    }
  }

  /** The kept folder of an object key, if it was kept. */
  public find(objectKey: string): string | undefined {
    const folder = this.folderOf(objectKey);
    return folder && fs.existsSync(folder) ? folder : undefined;
  }

  private folderOf(objectKey: string): string | undefined {
    return OBJECT_KEY.test(objectKey) ? path.join(this.dir, objectKey) : undefined;
  }
}

/** A function of the stack, as deployed, ready to invoke. */
export interface DeployedFunction {
  /** Its logical id in the stack. */
  readonly logicalId: string;
  readonly module: FunctionModule;
  /** Its Timeout (Lambda's default, 3 s, when the template gives none). */
  readonly timeoutMs: number;
  /** Its Environment's variables, as resolved when it was deployed. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The S3 object key a function's Code names (its staged asset's), from its template properties. */
export function objectKeyOf(properties: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const key = (properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
  return typeof key === 'string' ? key : undefined;
}

/** Lambda's default function timeout. */
const DEFAULT_TIMEOUT_SECONDS = 3;

/**
 * The function a ServiceToken (a function ARN) names, among the stack's deployed resources.
 * Undefined when the stack holds no such function, or its code was never kept (a resource deployed
 * before the runner kept code, or a stack not deployed from a cloud assembly); an Error when the
 * function is there and its code cannot run (a Handler that names no function of its code).
 */
export function deployedFunction(
  serviceToken: string, resources: Readonly<Record<string, ResourceState>>, code: DeployedCode,
): DeployedFunction | Error | undefined {
  const name = functionNameOf(serviceToken);
  const found = Object.entries(resources).find(([, r]) => r.type === 'AWS::Lambda::Function' && r.physicalResourceId === name);
  if (!name || !found) {
    return undefined;
  }
  const [logicalId, record] = found;
  const p = record.properties;
  const objectKey = objectKeyOf(p);
  const folder = objectKey !== undefined ? code.find(objectKey) : undefined;
  if (!folder) {
    return undefined;
  }
  // As the Node.js runtime reads it: the module before the first dot, the export's path after it.
  const handler = String(p.Handler ?? '');
  const dot = handler.indexOf('.');
  const file = dot > 0 ? path.resolve(folder, handler.slice(0, dot)) : undefined;
  const moduleFile = file && file.startsWith(`${folder}${path.sep}`) ? ['.js', '.cjs'].map(ext => `${file}${ext}`).find(f => fs.existsSync(f)) : undefined;
  if (!moduleFile) {
    return new Error(`function ${logicalId}: its Handler ${JSON.stringify(handler)} names no CommonJS module of its code`);
  }
  let fn: unknown;
  try {
    const mod = createRequire(moduleFile)(moduleFile) as unknown;
    fn = handler.slice(dot + 1).split('.').reduce<unknown>((x, key) => (x as Record<string, unknown> | undefined)?.[key], mod);
  } catch (e) {
    // Lambda's Runtime.ImportModuleError.
    return new Error(`function ${logicalId}: its code failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  if (typeof fn !== 'function') {
    return new Error(`function ${logicalId}: its Handler ${JSON.stringify(handler)} names no function its module exports`);
  }
  const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const timeout = Number(p.Timeout ?? DEFAULT_TIMEOUT_SECONDS);
  return {
    logicalId,
    module: { handler: (event, context) => (fn as FunctionModule['handler'])(event, context) },
    timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS) * 1000,
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
}
