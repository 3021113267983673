/**
 * Who sent a request, as API Gateway's IAM authorization established it: the scope of an
 * Idempotency-Key, so that two callers who pick the same key never meet each other's order.
 *
 * Every method of the deployed API requires AWS_IAM, so API Gateway has checked the SigV4 signature
 * before the function runs and describes the signer in `requestContext.identity`, the
 * `$context.identity.*` variables of "Variables for data transformations for API Gateway"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html):
 *
 * - `userArn`, "the Amazon Resource Name (ARN) of the effective user identified after
 *   authentication", names the principal. Its forms are IAM's ARNs for principals
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns):
 *   `arn:aws:iam::<account>:user/<name>`, `arn:aws:iam::<account>:root`, and for temporary
 *   credentials `arn:aws:sts::<account>:assumed-role/<role>/<session>` or
 *   `arn:aws:sts::<account>:federated-user/<name>`.
 * - A role session's name is chosen by whoever assumes the role, per session ("caller-specified",
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable;
 *   SDKs and AWS services often put a timestamp or an instance or task id in it). A client whose
 *   answer was lost retries after its credentials were refreshed, or from a restarted process: that
 *   retry must still find its order. So the session is dropped and every session of one role is
 *   one caller. Workloads that share a role share its key space, as they share its permissions;
 *   random keys (UUIDs) keep them apart.
 * - Credentials from an Amazon Cognito identity pool are sessions of the pool's role, one role for
 *   all of the pool's users; `cognitoIdentityId`, "the Amazon Cognito identity ID of the caller
 *   making the request. Available only if the request was signed with Amazon Cognito credentials",
 *   is the user, stable across sessions. It wins over the role's ARN.
 * - `accessKey` changes with every set of temporary credentials, and `caller` holds the session name
 *   for a role (`<role id>:<session>`, IAM's `aws:userid`), so neither is a stable scope.
 */
import type { APIGatewayEventIdentity } from 'aws-lambda';

/** A stable name for the principal that signed the request, or undefined when the event names none. */
export function callerOf(identity: Partial<APIGatewayEventIdentity> | null | undefined): string | undefined {
  const cognitoId = nonEmpty(identity?.cognitoIdentityId);
  if (cognitoId) return `cognito-identity:${cognitoId}`;
  const userArn = nonEmpty(identity?.userArn);
  if (!userArn) return undefined;
  return withoutSession(userArn);
}

const ASSUMED_ROLE = /^(arn:[^:]+:sts::[^:]*:assumed-role\/[^/]+)\/.+$/;

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>` without `/<session>`; other ARNs as they are. */
export function withoutSession(userArn: string): string {
  return ASSUMED_ROLE.exec(userArn)?.[1] ?? userArn;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
