/**
 * Stands in for @aws-crypto/sha256-js in the function bundles (lib/bundling.ts). aws-msk-iam-sasl-signer-js
 * hashes and signs with that pure-JavaScript SHA-256 (and its own copy of @smithy/signature-v4); the
 * SDK clients already bundle the SHA-256 of Node.js's crypto with the same interface (a hash, or an
 * HMAC when given a secret), so the signer gets that one. The bundle test holds the signed token to
 * the signer's own, byte for byte.
 */
export { Sha256Node as Sha256 } from '@smithy/core/checksum';
