import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnTemplate, topologicalOrder } from './template';

/** A stack of a synthesized cloud assembly (`cdk.out`). */
export interface AssemblyStack {
  /** Artifact id in manifest.json. */
  readonly artifactId: string;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** From the artifact's environment; undefined when environment-agnostic (`unknown-account`). */
  readonly account?: string;
  readonly region?: string;
  /** Stack names this stack depends on (within the assembly). */
  readonly dependencies: readonly string[];
  /**
   * The stack's file assets as its asset manifests list them: the S3 object key the template names
   * (a function's `Code.S3Key`) to the staged source in the assembly, an absolute path.
   */
  readonly assets?: Readonly<Record<string, string>>;
}

interface AssetManifest {
  readonly files?: Record<string, {
    readonly source?: { readonly path?: string };
    readonly destinations?: Record<string, { readonly objectKey?: string }>;
  }>;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly dependencies?: readonly string[];
  readonly properties?: {
    readonly file?: string;
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly directoryName?: string;
  };
  readonly displayName?: string;
}

/**
 * Reads `manifest.json` and the stack templates of a cloud assembly directory, nested assemblies
 * (stages) included. Stacks come back in deployment order (dependencies first).
 */
export function loadCloudAssembly(dir: string): AssemblyStack[] {
  const raw = readStacks(path.resolve(dir));
  // Dependencies name artifacts (asset manifests among them, and stacks of nested assemblies).
  const nameOf = new Map(raw.map(s => [s.artifactId, s.stackName]));
  const stacks = raw.map(s => ({ ...s, dependencies: s.dependencies.filter(d => nameOf.has(d)).map(d => nameOf.get(d)!) }));
  const byName = new Map(stacks.map(s => [s.stackName, s]));
  return topologicalOrder(stacks.map(s => s.stackName), name => byName.get(name)!.dependencies).map(name => byName.get(name)!);
}

function readStacks(dir: string): AssemblyStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${dir} is not a cloud assembly: no manifest.json`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf-8')) as { artifacts?: Record<string, ManifestArtifact> };
  const artifacts = manifest.artifacts ?? {};
  const out: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      out.push(...readStacks(path.join(dir, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) {
      continue;
    }
    const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf-8')) as CfnTemplate;
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    out.push({
      artifactId: id,
      stackName: artifact.properties.stackName ?? id,
      template,
      account: env && !env[1].startsWith('unknown-') ? env[1] : undefined,
      region: env && !env[2].startsWith('unknown-') ? env[2] : undefined,
      dependencies: [...(artifact.dependencies ?? [])],
      assets: assetsOf(dir, artifacts, artifact.dependencies ?? []),
    });
  }
  return out;
}

/** Object key to staged source, over the asset manifests among a stack's dependencies. */
function assetsOf(dir: string, artifacts: Record<string, ManifestArtifact>, dependencies: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of dependencies) {
    const artifact = artifacts[id];
    const file = artifact?.type === 'cdk:asset-manifest' && artifact.properties?.file ? path.join(dir, artifact.properties.file) : undefined;
    // An assembly written without its asset manifest has no staged code: its functions run the runner's handler.
    if (!file || !fs.existsSync(file)) {
      continue;
    }
    const manifest = JSON.parse(fs.readFileSync(file, 'utf-8')) as AssetManifest;
    for (const asset of Object.values(manifest.files ?? {})) {
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (asset.source?.path && destination.objectKey) {
          out[destination.objectKey] = path.resolve(dir, asset.source.path);
        }
      }
    }
  }
  return out;
}
