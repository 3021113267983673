/**
 * The stand-in for @smithy/core/event-streams in the function bundles (lib/bundling.ts): what the
 * SDK's HTTP protocol would take from it, failing with the fix (test/infra/bundles.test.ts shows the
 * bundled clients work without the real module).
 */
import { EventStreamSerde, eventStreamSerdeProvider } from '../../lambdas/shared/bundle-stand-ins/smithy-event-streams';

describe('the event-stream stand-in', () => {
  it('names the missing module and the fix when an event stream is ever sent or read', () => {
    // Act
    const calls = [() => eventStreamSerdeProvider(), () => new EventStreamSerde()];

    // Assess
    for (const call of calls) {
      expect(call).toThrow(
        /^@smithy\/core\/event-streams is not in this function bundle \(lib\/bundling\.ts\): .*take @smithy\/core\/event-streams out of SDK_PROTOCOL_STAND_INS$/,
      );
    }
  });

  it('offers the names the SDK imports from the real module', async () => {
    // Prepare: @smithy/core's HTTP protocol takes these two (loadEventStreamCapability).
    const real = await import('@smithy/core/event-streams');
    const standIn = await import('../../lambdas/shared/bundle-stand-ins/smithy-event-streams');

    // Assess
    for (const name of ['EventStreamSerde', 'eventStreamSerdeProvider'] as const) {
      expect(typeof standIn[name]).toBe(typeof real[name]);
    }
  });
});
