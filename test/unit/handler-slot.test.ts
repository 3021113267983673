/**
 * Swapping a function's code under load: in-flight invocations finish on the version they began
 * with, new ones go to the new version, and an old version is disposed only once nothing runs on it.
 */
import { HandlerSlot, type LoadedVersion } from '../../local/reload/handler-slot';

type Handler = (input: string) => Promise<string>;

/** A version whose invocations wait until released, and which records when it was disposed. */
function version(label: string) {
  const pending: (() => void)[] = [];
  const log: string[] = [];
  const loaded: LoadedVersion<Handler> = {
    label,
    handler: async (input) => {
      await new Promise<void>((resolve) => pending.push(resolve));
      return `${label}:${input}`;
    },
    dispose: async () => {
      log.push('disposed');
    },
  };
  const releaseAll = () => {
    for (const release of pending.splice(0)) release();
  };
  return { loaded, log, releaseAll, pending };
}

describe('Class: HandlerSlot', () => {
  it('lets an invocation in flight finish on the old code while new ones run the new code', async () => {
    // Prepare
    const v1 = version('v1');
    const v2 = version('v2');
    const slot = new HandlerSlot(v1.loaded);
    const inFlight = slot.invoke('a');
    await Promise.resolve();

    // Act
    slot.swap(v2.loaded);
    const next = slot.invoke('b');
    await Promise.resolve();
    v2.releaseAll();
    v1.releaseAll();

    // Assess
    await expect(inFlight).resolves.toBe('v1:a');
    await expect(next).resolves.toBe('v2:b');
    expect(slot.label).toBe('v2');
  });

  it('disposes the old version only after its last invocation finished', async () => {
    // Prepare
    const v1 = version('v1');
    const slot = new HandlerSlot(v1.loaded);
    const inFlight = slot.invoke('a');
    await Promise.resolve();

    // Act
    slot.swap(version('v2').loaded);

    // Assess
    expect(v1.log).toEqual([]);
    expect(slot.draining).toBe(1);
    v1.releaseAll();
    await inFlight;
    await new Promise((resolve) => setImmediate(resolve));
    expect(v1.log).toEqual(['disposed']);
    expect(slot.draining).toBe(0);
  });

  it('disposes an idle old version at once, and every version on close', async () => {
    // Prepare
    const v1 = version('v1');
    const v2 = version('v2');
    const slot = new HandlerSlot(v1.loaded);

    // Act
    slot.swap(v2.loaded);
    await new Promise((resolve) => setImmediate(resolve));
    const v1Disposed = [...v1.log];
    await slot.close();

    // Assess
    expect(v1Disposed).toEqual(['disposed']);
    expect(v2.log).toEqual(['disposed']);
  });

  it('reports a version that fails to dispose, and still retires it', async () => {
    // Prepare
    const errors: string[] = [];
    const failing: LoadedVersion<Handler> = {
      label: 'v1',
      handler: async (input) => input,
      dispose: async () => {
        throw new Error('broker gone');
      },
    };
    const slot = new HandlerSlot(failing, (label, error) => errors.push(`${label}: ${(error as Error).message}`));

    // Act
    slot.swap(version('v2').loaded);
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(errors).toEqual(['v1: broker gone']);
    expect(slot.draining).toBe(0);
  });
});
