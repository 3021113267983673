/** Node's own TLS and crypto modules: every function speaks TLS to MSK and signs with SigV4. */
import * as crypto from 'node:crypto';
import * as tls from 'node:tls';

// Used, so that the bundler keeps the imports.
export const handler = async () => [typeof tls.connect, typeof crypto.createHmac];
