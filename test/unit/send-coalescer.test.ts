import { SendCoalescer, type TopicMessages } from '../../lambdas/shared/kafka/send-coalescer';

/** A sender that records each send and lets the test decide when (and how) each one ends. */
function controlledSender() {
  const sends: { batch: TopicMessages<string>[]; finish: (error?: Error) => void }[] = [];
  const send = (batch: TopicMessages<string>[]) =>
    new Promise<void>((resolve, reject) => {
      sends.push({ batch, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { sends, send };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const one = (topic: string, ...messages: string[]): TopicMessages<string>[] => [{ topic, messages }];

describe('Class: SendCoalescer', () => {
  it('sends what its callers hand it in one turn as one send, each topic merged in order', async () => {
    // Prepare
    const { sends, send } = controlledSender();
    const coalescer = new SendCoalescer(send, (m: string) => m.length, 1_000);

    // Act
    const a = coalescer.send(one('orders.events', 'a1', 'a2'));
    const b = coalescer.send([...one('payments.events', 'b1'), ...one('orders.events', 'b2')]);
    await turn();

    // Assess
    expect(sends.map((s) => s.batch)).toEqual([
      [
        { topic: 'orders.events', messages: ['a1', 'a2', 'b2'] },
        { topic: 'payments.events', messages: ['b1'] },
      ],
    ]);
    sends[0]?.finish();
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
  });

  it('holds what arrives while a send is in flight, and sends it together when that one ends', async () => {
    const { sends, send } = controlledSender();
    const coalescer = new SendCoalescer(send, (m: string) => m.length, 1_000);
    const first = coalescer.send(one('t', 'first'));
    await turn();

    const later = [coalescer.send(one('t', 'x')), coalescer.send(one('t', 'y')), coalescer.send(one('t', 'z'))];
    await turn();
    expect(sends).toHaveLength(1);
    sends[0]?.finish();
    await first;
    await turn();

    expect(sends.map((s) => s.batch)).toEqual([
      [{ topic: 't', messages: ['first'] }],
      [{ topic: 't', messages: ['x', 'y', 'z'] }],
    ]);
    sends[1]?.finish();
    await Promise.all(later);
  });

  it('keeps each send under the byte limit, and sends a bigger message alone', async () => {
    const { sends, send } = controlledSender();
    const coalescer = new SendCoalescer(send, (m: string) => m.length, 10);

    const all = [
      coalescer.send(one('t', 'aaaa')),
      coalescer.send(one('t', 'bbbb')),
      coalescer.send(one('t', 'cccc')),
      coalescer.send(one('t', 'a message over the limit')),
    ];
    for (let i = 0; i < 3; i++) {
      await turn();
      sends[i]?.finish();
      await turn();
    }

    expect(sends.map((s) => s.batch[0]?.messages)).toEqual([['aaaa', 'bbbb'], ['cccc'], ['a message over the limit']]);
    await Promise.all(all);
  });

  it('fails exactly the callers of a failed send, and carries on with the next', async () => {
    const { sends, send } = controlledSender();
    const coalescer = new SendCoalescer(send, (m: string) => m.length, 1_000);
    const failed = [coalescer.send(one('t', 'a')), coalescer.send(one('t', 'b'))];
    await turn();
    const next = coalescer.send(one('t', 'c'));

    sends[0]?.finish(new Error('broker unreachable'));
    await expect(Promise.allSettled(failed)).resolves.toEqual([
      { status: 'rejected', reason: new Error('broker unreachable') },
      { status: 'rejected', reason: new Error('broker unreachable') },
    ]);
    await turn();
    sends[1]?.finish();

    await expect(next).resolves.toBeUndefined();
    expect(sends.map((s) => s.batch[0]?.messages)).toEqual([['a', 'b'], ['c']]);
  });
});
