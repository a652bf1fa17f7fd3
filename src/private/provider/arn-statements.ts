import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * ARNs per policy statement. CDK splits a role policy that outgrows IAM's 10,240 characters into
 * managed policies (`Role.splitLargePolicy`), but only between statements: bounded statements let
 * it move the handler's grants into managed policies as a stack grows (10 per role by default).
 */
const ARNS_PER_STATEMENT = 10;

/**
 * Policy statements with the same actions whose resources are collected as constructs register
 * them: one ARN per resource, a new statement every ARNS_PER_STATEMENT ARNs. Statements are added
 * on their first ARN, since IAM rejects a statement with an empty resource list. The ARNs are
 * listed one by one (not through one Lazy list), so that CDK can size the policy when it splits it.
 *
 * Only the first statement of each kind has a (short) Sid: CDK's size estimate leaves Sids out and
 * keeps 240 characters of margin under IAM's limits (144 for a managed policy), which a Sid on
 * every statement would use up.
 */
export class ArnStatements {
  private readonly arns = new Set<string>();
  private current?: iam.PolicyStatement;

  constructor(
    private readonly role: iam.IRole,
    private readonly sid: string,
    private readonly actions: string[],
    private readonly conditions?: { [operator: string]: unknown },
  ) {}

  public add(arn: string) {
    if (this.arns.has(arn)) {
      return;
    }
    if (this.arns.size % ARNS_PER_STATEMENT === 0) {
      const index = this.arns.size / ARNS_PER_STATEMENT + 1;
      this.current = new iam.PolicyStatement({
        sid: index === 1 ? this.sid : undefined,
        actions: this.actions,
        conditions: this.conditions,
      });
      this.role.addToPrincipalPolicy(this.current);
    }
    this.current!.addResources(arn);
    this.arns.add(arn);
  }
}
