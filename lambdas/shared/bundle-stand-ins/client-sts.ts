/**
 * Stands in for @aws-sdk/client-sts in the function bundles (lib/bundling.ts).
 * aws-msk-iam-sasl-signer-js imports STS only to log the caller identity when `awsDebugCreds` is set,
 * which the functions never set (lambdas/shared/kafka/connection.ts).
 */
const NOT_BUNDLED =
  '@aws-sdk/client-sts is not in this function bundle (lib/bundling.ts): aws-msk-iam-sasl-signer-js ' +
  'uses it only with awsDebugCreds; leave that option unset, or take client-sts out of SDK_CREDENTIAL_STAND_INS';

export class STSClient {
  constructor() {
    throw new Error(NOT_BUNDLED);
  }
}

export class GetCallerIdentityCommand {
  constructor() {
    throw new Error(NOT_BUNDLED);
  }
}
