import { STRING_SHAPES, StringShape } from './model';
import { codePointLength, compilePattern } from './patterns';

/**
 * The identifiers of the API model (project id, user ARN, project role), checked by the model's own
 * length and pattern traits: the constructs validate with the same shapes, and the local endpoint
 * with the same model file, so all three agree on what an identifier is. It imports nothing from
 * aws-cdk-lib: the handler bundles it.
 */

function matches(shape: StringShape, value: string): boolean {
  const { length, pattern } = shape.traits ?? {};
  const n = codePointLength(value);
  return (length?.min === undefined || n >= length.min)
    && (length?.max === undefined || n <= length.max)
    && (pattern === undefined || compilePattern(pattern).test(value));
}

/** A CodeStar project id (`ProjectId`: 2 to 15 characters, `^[a-z][a-z0-9-]+$`). */
export function isProjectId(value: string): boolean {
  return matches(STRING_SHAPES.ProjectId, value);
}

/** An IAM user ARN as CodeStar takes it (`UserArn`: the `aws` partition, 32 to 95 characters). */
export function isUserArn(value: string): boolean {
  return matches(STRING_SHAPES.UserArn, value);
}

/** A team member's role (`Role`: `Owner`, `Viewer` or `Contributor`). */
export function isProjectRole(value: string): boolean {
  return matches(STRING_SHAPES.Role, value);
}
