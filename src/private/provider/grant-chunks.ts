import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { GrantKind } from './actions';
import { push } from './multimap';
import { sha256 } from '../sha256';

/** The most ARNs a grant chunk is meant to hold; a stack gets more chunks as it grows, up to MAX_GRANT_CHUNKS. */
const ARNS_PER_GRANT_CHUNK = 40;

/**
 * The most grant chunks: during an update CloudFormation attaches a changed chunk's replacement
 * before it deletes the chunk, so old and new together must stay within IAM's default quota of 10
 * managed policies per role. The role holds no other managed policy (see Continue in provider.ts).
 */
const MAX_GRANT_CHUNKS = 5;

interface ScopedGrant {
  readonly kind: GrantKind;
  readonly arn: string;
  readonly dependents: IConstruct[];
}

/**
 * The grants a resource needs to be deleted (its project, the team of an imported project, its
 * user's profile), which must outlive the resource. CloudFormation updates a stack's policies in an
 * update's first phase and deletes the resources the update removed in its cleanup, so a grant
 * listed in the role's default policy would be gone when the handler deletes a removed profile,
 * member or project (AccessDenied, and the profile, membership or project stays).
 *
 * So these grants live in a few managed policies ("chunks") whose construct ids are a hash of what
 * they grant, and every resource depends on the chunk that holds its grants. A chunk is never
 * changed in place: when its grants change it is replaced, the new one created in the update's first
 * phase, the old one deleted in the cleanup after the resources that depended on it in the old
 * template (CloudFormation deletes removed resources in the reverse order of the old template's
 * dependencies). ARNs are spread over the chunks by a hash of their own, so that adding or removing
 * a resource replaces one chunk, not all of them.
 */
export class GrantChunks {
  private readonly grants = new Map<string, ScopedGrant>();
  private materialized = false;

  constructor(private readonly scope: Construct, private readonly role: iam.IRole) {}

  public has(kind: GrantKind, arn: string): boolean {
    return this.grants.has(`${kind.sid}|${arn}`);
  }

  public add(kind: GrantKind, arn: string, dependent: IConstruct) {
    const key = `${kind.sid}|${arn}`;
    const grant = this.grants.get(key) ?? { kind, arn, dependents: [] };
    grant.dependents.push(dependent);
    this.grants.set(key, grant);
  }

  /** Creates the chunks, once the app is complete (from an aspect). */
  public materialize() {
    if (this.materialized || this.grants.size === 0) {
      return;
    }
    this.materialized = true;
    const stack = Stack.of(this.scope);
    const entries = [...this.grants.values()]
      .map(grant => ({ grant, key: `${grant.kind.sid}|${JSON.stringify(stack.resolve(grant.arn))}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const count = Math.min(MAX_GRANT_CHUNKS, Math.ceil(entries.length / ARNS_PER_GRANT_CHUNK));
    const chunks = new Map<number, typeof entries>();
    for (const entry of entries) {
      const index = parseInt(sha256(entry.key).slice(0, 8), 16) % count;
      push(chunks, index, entry);
    }
    for (const [index, chunk] of [...chunks].sort(([a], [b]) => a - b)) {
      const statements = new Map<GrantKind, string[]>();
      for (const { grant } of chunk) {
        push(statements, grant.kind, grant.arn);
      }
      const policy = new iam.ManagedPolicy(this.scope, `Grants${index}${sha256(chunk.map(e => e.key).join('\n')).slice(0, 8).toUpperCase()}`, {
        roles: [this.role],
        statements: [...statements].map(([kind, arns]) => new iam.PolicyStatement({ sid: kind.sid, actions: kind.actions, resources: arns })),
      });
      for (const { grant } of chunk) {
        grant.dependents.forEach(dependent => dependent.node.addDependency(policy));
      }
    }
  }
}
