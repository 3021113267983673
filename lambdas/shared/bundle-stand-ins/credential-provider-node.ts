/**
 * Stands in for @aws-sdk/credential-provider-node in the function bundles (lib/bundling.ts). Every
 * SDK client's runtime config imports the default chain, even when it is given credentials; the
 * functions give theirs environment credentials (lambdas/shared/aws-credentials.ts). A client created
 * without credentials still works on Lambda: it gets the environment provider, the source the real
 * chain answers from there, without INI files, SSO, STS web identity or instance metadata.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
