/**
 * Stands in for @aws-sdk/credential-providers in the function bundles (lib/bundling.ts).
 * aws-msk-iam-sasl-signer-js imports the collection for generateAuthToken (the default chain),
 * generateAuthTokenFromProfile and generateAuthTokenFromRole; the functions sign with
 * generateAuthTokenFromCredentialsProvider and environment credentials (lambdas/shared/kafka/client.ts).
 */
function notBundled(provider: string): never {
  throw new Error(
    `${provider} of @aws-sdk/credential-providers is not in this function bundle (lib/bundling.ts): ` +
      'sign MSK tokens with generateAuthTokenFromCredentialsProvider and environmentCredentials ' +
      '(lambdas/shared/aws-credentials.ts)',
  );
}

export const fromIni = (): never => notBundled('fromIni');
export const fromTemporaryCredentials = (): never => notBundled('fromTemporaryCredentials');
export const fromNodeProviderChain = (): never => notBundled('fromNodeProviderChain');
