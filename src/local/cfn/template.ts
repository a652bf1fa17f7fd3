/**
 * CloudFormation template structure and the reference graph between its resources.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: unknown;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Export?: { readonly Name: unknown };
  readonly Condition?: string;
  readonly Description?: string;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  readonly Outputs?: Readonly<Record<string, CfnOutput>>;
  readonly Rules?: unknown;
  readonly Transform?: unknown;
}

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
  'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

/** `${Name}` / `${Name.Attr}` in an Fn::Sub string; `${!Literal}` is an escape, not a reference. */
const SUB_VARIABLE = /\$\{([^}]*)\}/g;

export function subVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(SUB_VARIABLE)) {
    const name = match[1].trim();
    if (!name.startsWith('!')) {
      names.push(name);
    }
  }
  return names;
}

/**
 * Logical ids (resources or parameters) a value refers to through Ref, Fn::GetAtt and Fn::Sub.
 * Pseudo parameters and Fn::Sub's own variables are left out.
 */
export function referencedNames(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach(v => referencedNames(v, into));
    return into;
  }
  if (typeof value !== 'object' || value === null) {
    return into;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = obj[key];
    if (key === 'Ref' && typeof arg === 'string') {
      if (!PSEUDO_PARAMETERS.has(arg)) {
        into.add(arg);
      }
      return into;
    }
    if (key === 'Fn::GetAtt') {
      const target = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
      if (typeof target === 'string') {
        into.add(target);
      }
      if (Array.isArray(arg)) {
        referencedNames(arg.slice(1), into); // the attribute name may itself be a Ref
      }
      return into;
    }
    if (key === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] as Record<string, unknown> | undefined] : [arg, undefined];
      if (typeof text === 'string') {
        for (const name of subVariables(text)) {
          const base = name.split('.')[0];
          if (!(vars && name in vars) && !PSEUDO_PARAMETERS.has(name)) {
            into.add(base);
          }
        }
      }
      if (vars) {
        referencedNames(vars, into);
      }
      return into;
    }
  }
  Object.values(obj).forEach(v => referencedNames(v, into));
  return into;
}

export function dependsOnList(resource: CfnResource): string[] {
  const d = resource.DependsOn;
  return d === undefined ? [] : Array.isArray(d) ? [...d] : [d];
}

/** Resources a resource depends on: references in its properties plus DependsOn. */
export function resourceDependencies(resource: CfnResource, resourceIds: ReadonlySet<string>): string[] {
  const names = referencedNames(resource.Properties ?? {});
  dependsOnList(resource).forEach(d => names.add(d));
  return [...names].filter(n => resourceIds.has(n));
}

/**
 * Orders ids so that each comes after everything it depends on; ties keep the given order.
 * Dependencies outside `ids` are ignored. Throws on a cycle, naming its members.
 */
export function topologicalOrder(ids: readonly string[], dependencies: (id: string) => readonly string[]): string[] {
  const inSet = new Set(ids);
  const remaining = new Map(ids.map(id => [id, new Set(dependencies(id).filter(d => inSet.has(d) && d !== id))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = ids.filter(id => remaining.has(id) && remaining.get(id)!.size === 0);
    if (ready.length === 0) {
      throw new Error(`Circular dependency between resources: [${[...remaining.keys()].join(', ')}]`);
    }
    for (const id of ready) {
      remaining.delete(id);
      order.push(id);
    }
    for (const deps of remaining.values()) {
      ready.forEach(id => deps.delete(id));
    }
  }
  return order;
}
