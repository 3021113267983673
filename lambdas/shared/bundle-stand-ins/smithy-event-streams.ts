/**
 * Stands in for @smithy/core/event-streams in the function bundles (lib/bundling.ts). The SDK's
 * HTTP protocol imports it (dynamically) only to send or read an event stream, which no operation
 * of the clients the functions use (DynamoDB, SNS) has; the stand-in keeps its two names and
 * fails with the fix if one is ever called.
 */
const NOT_BUNDLED =
  '@smithy/core/event-streams is not in this function bundle (lib/bundling.ts): the clients the functions ' +
  'use have no event-stream operation; to call one, take @smithy/core/event-streams out of SDK_PROTOCOL_STAND_INS';

export class EventStreamSerde {
  constructor() {
    throw new Error(NOT_BUNDLED);
  }
}

export function eventStreamSerdeProvider(): never {
  throw new Error(NOT_BUNDLED);
}
