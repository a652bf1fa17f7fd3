import { sha256 } from '../src/private/sha256';

/*
 * User ARNs in the handler's text: a user's name, and the mask that keeps it out of logs and
 * reasons. Whether a value is a user ARN at all is the model's to say (src/private/identifiers.ts).
 */

/** The user name of a user ARN (what follows the path): often an e-mail address, never to be shown. */
export function userNameOf(userArn: string): string {
  return userArn.slice(userArn.lastIndexOf('/') + 1);
}

/**
 * A user ARN inside any text: the partition, the account, then the path and the name. A path
 * segment may hold any printable ASCII (IAM's rule, and isUserArn's): only a quote ends one here, so
 * that a JSON string's closing quote stays; the name is IAM's name characters.
 */
const USER_ARN_IN_TEXT = /(arn:aws[\w-]*:iam::\d{12}:user)((?:\/[!#-.0-~]+)*\/[\w+=,.@-]+)/g;

/**
 * Text with every IAM user's path and name replaced by a hash of them: user names are often e-mail
 * addresses, so logs and reasons name a user by `arn:aws:iam::<account>:user/#<hash>`, which still
 * tells two users apart and can be matched against a known ARN (maskUserArns of it), but says no name.
 */
export function maskUserArns(text: string): string {
  return text.replace(USER_ARN_IN_TEXT, (_match, prefix: string, name: string) =>
    `${prefix}/#${sha256(name).slice(0, 12)}`);
}
