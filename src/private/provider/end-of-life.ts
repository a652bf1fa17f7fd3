import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The synth warning that AWS CodeStar creates no new projects, given once per stack (the provider
 * holds one) on the first project that asks for it.
 */
export class EndOfLifeWarning {
  private warned = false;

  public warn(scope: IConstruct) {
    if (this.warned) {
      return;
    }
    this.warned = true;
    Annotations.of(scope).addWarningV2('cdk-codestar:noNewProjects',
      'AWS CodeStar stopped accepting new projects on 2024-07-31: CreateProject fails where CodeStar no longer creates projects, '
      + 'and a deleted project cannot be created again. Use CodeStarProject.fromProjectId to manage the team of an existing project.');
  }
}
