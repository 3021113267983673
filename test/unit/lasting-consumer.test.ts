/**
 * The lasting consumer: a kafkajs consumer that kafkajs gave up on (CRASH with `restart: false`,
 * kafkajs 2.2.4 src/consumer/index.js `onCrash`) is replaced, with a pause that doubles while the
 * replacements fail, and nothing is replaced once the owner stops. The consumers here are stand-ins
 * that keep kafkajs's event names and CRASH payload; the real consumer's case runs against the
 * broker in test/integration/esm-consumer-replaced.test.ts.
 */
import type { Consumer, ConsumerCrashEvent } from '../../lambdas/shared/kafka/driver';
import { LastingConsumer } from '../../local/lasting-consumer';

interface StandIn {
  readonly consumer: Consumer;
  crash(restart: boolean, message?: string): void;
  disconnected: boolean;
}

function standIn(): StandIn {
  const listeners: ((event: ConsumerCrashEvent) => void)[] = [];
  const self: StandIn = {
    disconnected: false,
    consumer: {
      events: { CRASH: 'consumer.crash' },
      on: (event: string, listener: (event: ConsumerCrashEvent) => void) => {
        if (event === 'consumer.crash') listeners.push(listener);
        return () => undefined;
      },
      disconnect: async () => {
        self.disconnected = true;
      },
    } as unknown as Consumer,
    crash: (restart, message = 'Failed to find group coordinator') => {
      for (const listener of listeners) {
        listener({
          id: '1',
          type: 'consumer.crash',
          timestamp: Date.now(),
          payload: { error: new Error(message), groupId: 'g', restart },
        });
      }
    },
  };
  return self;
}

function setUp(runs: ((consumer: StandIn, replacing: boolean) => Promise<void>)[] = []) {
  const made: StandIn[] = [];
  const lines: string[] = [];
  let stopping = false;
  const lasting = new LastingConsumer({
    name: 't as g',
    create: () => {
      const s = standIn();
      made.push(s);
      return s.consumer;
    },
    run: async (_consumer, replacing) => {
      const run = runs[made.length - 1];
      if (run) await run(made.at(-1) as StandIn, replacing);
    },
    isStopping: () => stopping,
    log: (line) => lines.push(line),
  });
  return {
    lasting,
    made,
    lines,
    stop: () => {
      stopping = true;
    },
  };
}

describe('LastingConsumer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('replaces a consumer kafkajs gave up on after a pause, and only that consumer', async () => {
    // Prepare
    const { lasting, made, lines } = setUp();
    await lasting.start();

    // Act
    made[0]?.crash(true); // kafkajs restarts this one itself
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(999);
    const before = made.length;
    await jest.advanceTimersByTimeAsync(1);

    // Assess
    expect(before).toBe(1);
    expect(made).toHaveLength(2);
    expect(made[0]?.disconnected).toBe(true);
    expect(lasting.current).toBe(made[1]?.consumer);
    expect(lasting.started).toBe(2);
    expect(lines).toEqual([
      'kafkajs gave up on the consumer of t as g (Failed to find group coordinator); a new one starts in 1000 ms',
      'a new consumer of t as g runs',
    ]);
  });

  it('doubles the pause while replacements fail or crash as they start, up to the cap', async () => {
    // Prepare: the 2nd consumer's run throws, the 3rd crashes as it starts, the 4th runs.
    const { lasting, made, lines } = setUp([
      async () => undefined,
      async () => {
        throw new Error('Connection error: connect ECONNREFUSED');
      },
      async (s) => s.crash(false),
    ]);
    await lasting.start();

    // Act
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000);

    // Assess
    expect(made).toHaveLength(4);
    expect(made.slice(0, 3).every((s) => s.disconnected)).toBe(true);
    expect(lasting.current).toBe(made[3]?.consumer);
    expect(lines).toEqual([
      'kafkajs gave up on the consumer of t as g (Failed to find group coordinator); a new one starts in 1000 ms',
      'kafkajs gave up on the consumer of t as g (Connection error: connect ECONNREFUSED); a new one starts in 2000 ms',
      'kafkajs gave up on the consumer of t as g (the new consumer crashed as it started); a new one starts in 4000 ms',
      'a new consumer of t as g runs',
    ]);
  });

  it('starts nothing once its owner stops, and stopReplacing ends a pending pause at once', async () => {
    // Prepare
    const { lasting, made, stop } = setUp();
    await lasting.start();
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(10); // in the pause before the replacement

    // Act
    stop();
    let ended = false;
    void lasting.stopReplacing().then(() => {
      ended = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    const endedAtOnce = ended;
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(endedAtOnce).toBe(true);
    expect(made).toHaveLength(1);
  });

  it('keeps the grown pause for a replacement that soon died too, and starts afresh after one that lasted', async () => {
    // Prepare
    const { lasting, made, lines } = setUp();
    await lasting.start();
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(1_000);

    // Act: the replacement dies at once, then its own replacement lasts 20 s before it dies.
    made[1]?.crash(false);
    await jest.advanceTimersByTimeAsync(2_000);
    await jest.advanceTimersByTimeAsync(20_000);
    made[2]?.crash(false);
    await jest.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(made).toHaveLength(4);
    expect(lines.filter((line) => line.startsWith('kafkajs gave up')).map((line) => line.split('; ')[1])).toEqual([
      'a new one starts in 1000 ms',
      'a new one starts in 2000 ms',
      'a new one starts in 1000 ms',
    ]);
  });

  it('waits for a replacement under way when its owner stops, and starts no other', async () => {
    // Prepare: the replacement's run() hangs until the gate opens (kafkajs retrying a join).
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { lasting, made, stop } = setUp([async () => undefined, async (s) => gate.then(() => s.crash(false))]);
    await lasting.start();
    made[0]?.crash(false);
    await jest.advanceTimersByTimeAsync(1_000);

    // Act
    stop();
    let ended = false;
    void lasting.stopReplacing().then(() => {
      ended = true;
    });
    await jest.advanceTimersByTimeAsync(100);
    const endedBeforeGate = ended;
    open();
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(endedBeforeGate).toBe(false);
    expect(ended).toBe(true);
    expect(made).toHaveLength(2);
  });
});
