import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import { StackProvider } from './private/provider';

/**
 * Test helpers for apps that use cdk-codestar: `import { userTemplate } from 'cdk-codestar/lib/testing'`.
 *
 * Not part of the jsii API (src/index.ts does not export it) and free of any test framework, so it
 * loads in jest, vitest or mocha alike.
 */

/**
 * What every reference to the library's provider becomes in `userTemplate`: the `ServiceToken` of
 * each CodeStar custom resource, and any other `Ref`, `Fn::GetAtt` or `${...}` that names one of
 * the provider's resources.
 */
export const PROVIDER_MARKER = '<cdk-codestar provider>';

type Json = Record<string, unknown>;

/** The template sections whose entries are referred to by name. */
interface References {
  /** `Ref`, `Fn::GetAtt` and `Fn::Sub` names: resources, parameters and pseudo parameters. */
  readonly names: Set<string>;
  /** `Fn::FindInMap` map names. */
  readonly mappings: Set<string>;
  /** `Condition` (on a resource, an output, or in a condition) and `Fn::If` condition names. */
  readonly conditions: Set<string>;
}

/**
 * The stack's synthesized template without the plumbing of cdk-codestar's provider, for snapshot
 * tests of a user's own stack:
 *
 * ```ts
 * expect(userTemplate(stack)).toMatchSnapshot();
 * ```
 *
 * Removed: every resource under the provider construct (its Lambda function, role, policies and log
 * group), the `DependsOn` entries that name them, and the parameters, mappings and conditions that
 * only they used (the asset parameters of a legacy synthesizer, anything an escape hatch added). Every reference to a removed resource,
 * such as each CodeStar custom resource's `ServiceToken`, becomes `PROVIDER_MARKER`.
 *
 * Kept exactly as synthesized: everything else, the `Custom::CodeStar*` resources with their
 * properties and policies included. The provider is an implementation detail that an aws-cdk-lib
 * upgrade rewrites; what is left is what the stack declares. A stack without any cdk-codestar
 * construct comes back unchanged.
 *
 * Synthesizes the stack's app (as `Template.fromStack` does) and returns a copy: the app's cached
 * template is not modified.
 */
export function userTemplate(stack: Stack): Json {
  // Synthesize first: aspects run during synthesis and add resources to the provider (its grants).
  const template = JSON.parse(JSON.stringify(Template.fromStack(stack).toJSON())) as Json;
  const removed = providerLogicalIds(stack);
  if (removed.size === 0) {
    return template;
  }
  const resources = template.Resources as Json;

  // Entries that only the removed resources refer to are removed with them.
  const candidates = emptyReferences();
  for (const id of removed) {
    collectReferences(resources[id], candidates);
    delete resources[id];
  }
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  pruneUnreferenced(template, candidates);
  // A legacy synthesizer declares three parameters per asset, and its artifact hash parameter is
  // referenced by nothing: once an asset's bucket and key have gone, so does its hash.
  for (const group of assetParameterGroups(stack)) {
    if (group.some((name) => parameters.has(name) && !(name in ((template.Parameters ?? {}) as Json)))) {
      group.forEach((name) => candidates.names.add(name));
    }
  }
  pruneUnreferenced(template, candidates);

  for (const resource of Object.values(resources)) {
    withoutRemovedDependencies(resource as Json, removed);
  }
  return replaceReferences(template, removed) as Json;
}

/**
 * A jest snapshot serializer that prints a `Stack` as its `userTemplate`:
 * `expect.addSnapshotSerializer(userTemplateSerializer); expect(stack).toMatchSnapshot();`.
 * Typed structurally, so that nothing here depends on jest.
 */
export const userTemplateSerializer: SnapshotSerializer = {
  test: (value) => Stack.isStack(value),
  serialize: (value, config, indentation, depth, refs, printer) => printer(userTemplate(value as Stack), config, indentation, depth, refs),
};

/**
 * The shape of a jest (pretty-format) snapshot serializer plugin. `Config` and `Refs` are jest's,
 * passed through to its printer untouched.
 */
export interface SnapshotSerializer {
  test(value: unknown): boolean;
  serialize<Config, Refs>(
    value: unknown, config: Config, indentation: string, depth: number, refs: Refs, printer: SnapshotPrinter<Config, Refs>,
  ): string;
}

/** The printer jest passes to a snapshot serializer. */
export type SnapshotPrinter<Config, Refs> = (value: unknown, config: Config, indentation: string, depth: number, refs: Refs) => string;

/** The logical ids of every CloudFormation resource under the stack's provider (none without one). */
function providerLogicalIds(stack: Stack): Set<string> {
  const provider = StackProvider.find(stack);
  const ids = new Set<string>();
  for (const construct of provider?.node.findAll() ?? []) {
    if (CfnResource.isCfnResource(construct)) {
      // The resolved logical id, not `stack.getLogicalId`: it honours `overrideLogicalId`.
      ids.add(stack.resolve(construct.logicalId));
    }
  }
  return ids;
}

/** The logical ids of each file asset's parameters, from the asset metadata a legacy synthesizer adds to the stack. */
function assetParameterGroups(stack: Stack): string[][] {
  return stack.node.metadata
    .filter((entry) => entry.type === cxschema.ArtifactMetadataEntryType.ASSET)
    .map((entry) => entry.data as Partial<cxschema.FileAssetMetadataEntry>)
    .map((data) => [data.s3BucketParameter, data.s3KeyParameter, data.artifactHashParameter]
      .filter((name) => name !== undefined)
      .map((name) => String(stack.resolve(name))));
}

/**
 * Removes the parameters, mappings and conditions among `candidates` that nothing left in the
 * template refers to, and then what only those referred to, until nothing changes.
 */
function pruneUnreferenced(template: Json, candidates: References) {
  const sections: Array<[string, Set<string>]> = [['Parameters', candidates.names], ['Mappings', candidates.mappings], ['Conditions', candidates.conditions]];
  let changed = true;
  while (changed) {
    changed = false;
    const used = collectReferences(template, emptyReferences());
    const stillUsed: Record<string, Set<string>> = { Parameters: used.names, Mappings: used.mappings, Conditions: used.conditions };
    for (const [name, candidateNames] of sections) {
      const entries = template[name] as Json | undefined;
      for (const candidate of candidateNames) {
        if (entries && candidate in entries && !stillUsed[name].has(candidate)) {
          collectReferences(entries[candidate], candidates);
          delete entries[candidate];
          changed = true;
        }
      }
      if (entries && Object.keys(entries).length === 0) {
        delete template[name];
      }
    }
  }
}

/** Drops the `DependsOn` entries that name a removed resource (and `DependsOn` itself once empty). */
function withoutRemovedDependencies(resource: Json, removed: Set<string>) {
  const dependsOn = resource.DependsOn;
  if (dependsOn === undefined) {
    return;
  }
  const kept = [dependsOn].flat().filter((id) => !removed.has(id as string));
  if (kept.length === 0) {
    delete resource.DependsOn;
  } else {
    resource.DependsOn = Array.isArray(dependsOn) ? kept : kept[0];
  }
}

/** `value` with every `Ref`, `Fn::GetAtt` and `Fn::Sub` reference to a removed resource replaced by the marker. */
function replaceReferences(value: unknown, removed: Set<string>): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => replaceReferences(item, removed));
  }
  if (!isObject(value)) {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys;
    const argument = value[key];
    if ((key === 'Ref' || key === 'Fn::GetAtt') && removed.has(getAttTarget(key, argument))) {
      return PROVIDER_MARKER;
    }
    if (key === 'Fn::Sub') {
      const [body, variables] = Array.isArray(argument) ? argument : [argument, undefined];
      if (typeof body === 'string') {
        const local = new Set(Object.keys(isObject(variables) ? variables : {}));
        const replaced = body.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
          const target = name.split('.')[0];
          return removed.has(target) && !local.has(name) ? PROVIDER_MARKER : whole;
        });
        const replacedVariables = variables === undefined ? undefined : replaceReferences(variables, removed);
        return { 'Fn::Sub': Array.isArray(argument) ? [replaced, replacedVariables] : replaced };
      }
    }
  }
  return Object.fromEntries(keys.map((key) => [key, replaceReferences(value[key], removed)]));
}

/** Adds every name `value` refers to into `into`, and returns `into`. */
function collectReferences(value: unknown, into: References): References {
  if (Array.isArray(value)) {
    value.forEach((item) => collectReferences(item, into));
    return into;
  }
  if (!isObject(value)) {
    return into;
  }
  for (const [key, argument] of Object.entries(value)) {
    if (key === 'Ref' || key === 'Fn::GetAtt') {
      into.names.add(getAttTarget(key, argument));
    } else if (key === 'Fn::Sub') {
      const [body, variables] = Array.isArray(argument) ? argument : [argument, undefined];
      const local = new Set(Object.keys(isObject(variables) ? variables : {}));
      for (const match of String(body).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        if (!local.has(match[1])) {
          into.names.add(match[1].split('.')[0]);
        }
      }
    } else if (key === 'Fn::FindInMap' && Array.isArray(argument) && typeof argument[0] === 'string') {
      into.mappings.add(argument[0]);
    } else if (key === 'Fn::If' && Array.isArray(argument) && typeof argument[0] === 'string') {
      into.conditions.add(argument[0]);
    } else if (key === 'Condition' && typeof argument === 'string') {
      into.conditions.add(argument);
    }
    collectReferences(argument, into);
  }
  return into;
}

/** The logical id a `Ref` or `Fn::GetAtt` (either form: `[id, attribute]` or `'id.attribute'`) names. */
function getAttTarget(key: string, argument: unknown): string {
  if (key === 'Ref') {
    return String(argument);
  }
  return Array.isArray(argument) ? String(argument[0]) : String(argument).split('.')[0];
}

function emptyReferences(): References {
  return { names: new Set(), mappings: new Set(), conditions: new Set() };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
