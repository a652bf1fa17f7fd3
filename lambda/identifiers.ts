/**
 * Identifier checks from the API model. A physical id that fails them was never one of ours (the
 * provider framework's create-failed marker, a request id): there is nothing to delete behind it.
 */

const PROJECT_ID = /^[a-z][a-z0-9-]+$/;
const USER_ARN = /^arn:aws:iam::\d{12}:user(?:(\u002F)|(\u002F[\u0021-\u007E]+\u002F))[\w+=,.@-]+$/;
const ROLE = /^(Owner|Viewer|Contributor)$/;

export function isProjectId(value: string): boolean {
  return value.length >= 2 && value.length <= 15 && PROJECT_ID.test(value);
}

export function isUserArn(value: string): boolean {
  return value.length >= 32 && value.length <= 95 && USER_ARN.test(value);
}

export function isProjectRole(value: string): boolean {
  return ROLE.test(value);
}
