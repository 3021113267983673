import {
  decideRelease,
  decideReservation,
  explainFailedTake,
  mergeLines,
  onCancelled,
  onCreated,
  type ProductState,
  RESERVATION_LIFETIME_MS,
  type Reservation,
  type ReservationStatus,
  STALE_STEP_MS,
  type Step,
  settlementOf,
  staleSteps,
} from '../../lambdas/inventory/reservation';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ORDER = 'ord_UNIT000000001';

function step(kind: Step['kind'], token: string, at = NOW.toISOString(), orderId = ORDER): Step {
  return { kind, orderId, quantity: 2, token, at };
}

function reservation(status: ReservationStatus, extra: Partial<Reservation> = {}): Reservation {
  return {
    orderId: ORDER,
    status,
    reservationId: 'res_0000000000',
    correlationId: '6f1c2a7e-3b9d-4c52-8e0f-5a4b3c2d1e0f',
    items: [{ sku: 'SKU-001', quantity: 2 }],
    ...extra,
  };
}

function productWith(...steps: Step[]): ProductState {
  return { sku: 'SKU-001', name: 'Product 001', priceCents: 999, currency: 'GBP', available: 5, steps };
}

describe('Function: settlementOf', () => {
  const adopted = { taken: { 'SKU-001': 'a' } };
  const released = { taken: { 'SKU-001': 'a' }, released: { 'SKU-001': 'g' } };

  it.each([
    // A take: kept while the order is undecided; removed when adopted; given back otherwise.
    ['take a, RESERVING', step('take', 'a'), reservation('RESERVING'), 'keep'],
    ['take a, RESERVED adopting a', step('take', 'a'), reservation('RESERVED', adopted), 'remove'],
    ['take b, RESERVED adopting a (taken twice)', step('take', 'b'), reservation('RESERVED', adopted), 'giveBack'],
    ['take a, RELEASED from RESERVED adopting a', step('take', 'a'), reservation('RELEASED', released), 'remove'],
    ['take a, RELEASED from RESERVING', step('take', 'a'), reservation('RELEASED'), 'giveBack'],
    ['take a, FAILED', step('take', 'a'), reservation('FAILED'), 'giveBack'],
    ['take a, CANCELLED', step('take', 'a'), reservation('CANCELLED'), 'giveBack'],
    // A give: kept until the release is decided; only the adopted one adds stock back.
    ['give g, RESERVED', step('give', 'g'), reservation('RESERVED', adopted), 'keep'],
    ['give g, RELEASED adopting g', step('give', 'g'), reservation('RELEASED', released), 'giveBack'],
    ['give h, RELEASED adopting g (written late)', step('give', 'h'), reservation('RELEASED', released), 'remove'],
    ['give g, FAILED', step('give', 'g'), reservation('FAILED'), 'remove'],
  ] as const)('%s: %s', (_case, s, r, settlement) => {
    // Act / Assess
    expect(settlementOf(s, 'SKU-001', r, NOW)).toBe(settlement);
  });

  it('keeps a step without a reservation while a replay could still come, and undoes it after', () => {
    // Prepare
    const young = step('take', 'a', new Date(NOW.getTime() - RESERVATION_LIFETIME_MS).toISOString());
    const old = step('take', 'a', new Date(NOW.getTime() - RESERVATION_LIFETIME_MS - 1).toISOString());
    const oldGive = { ...old, kind: 'give' } as const;

    // Act / Assess
    expect([young, old, oldGive].map((s) => settlementOf(s, 'SKU-001', undefined, NOW))).toEqual([
      'keep',
      'giveBack',
      'remove',
    ]);
  });
});

describe('Function: decideReservation', () => {
  it('reserves when every line is held, adopting each step’s token', () => {
    // Act
    const change = decideReservation([
      { kind: 'held', sku: 'SKU-002', step: step('take', 'b') },
      { kind: 'held', sku: 'SKU-001', step: step('take', 'a') },
    ]);

    // Assess
    expect(change).toEqual({ status: 'RESERVED', taken: { 'SKU-001': 'a', 'SKU-002': 'b' } });
  });

  it('fails naming every short line by SKU, unknown_sku if any is unknown, with the SKUs it held', () => {
    // Act
    const change = decideReservation([
      { kind: 'short', shortage: { sku: 'SKU-NOPE', requested: 1, available: 0 }, unknown: true },
      { kind: 'held', sku: 'SKU-002', step: step('take', 'b') },
      { kind: 'short', shortage: { sku: 'SKU-LOW', requested: 9, available: 3 }, unknown: false },
    ]);

    // Assess
    expect(change).toEqual({
      status: 'FAILED',
      reason: 'unknown_sku',
      shortages: [
        { sku: 'SKU-LOW', requested: 9, available: 3 },
        { sku: 'SKU-NOPE', requested: 1, available: 0 },
      ],
      heldSkus: ['SKU-002'],
    });
  });

  it('releases adopting the prepared give steps', () => {
    expect(decideRelease({ 'SKU-001': 'g' })).toEqual({ status: 'RELEASED', released: { 'SKU-001': 'g' } });
  });
});

describe('Function: explainFailedTake', () => {
  const line = { sku: 'SKU-001', quantity: 2 };

  it('adopts the order’s own take step, whoever wrote it', () => {
    expect(explainFailedTake(ORDER, line, productWith(step('take', 'x')))).toEqual({
      kind: 'held',
      sku: 'SKU-001',
      step: step('take', 'x'),
    });
  });

  it('says short with what is available, unknown for a missing product, and retry when stock came back', () => {
    // Prepare
    const short = { ...productWith(), available: 1 };

    // Act / Assess
    expect(explainFailedTake(ORDER, line, short)).toEqual({
      kind: 'short',
      shortage: { sku: 'SKU-001', requested: 2, available: 1 },
      unknown: false,
    });
    expect(explainFailedTake(ORDER, line, undefined)).toEqual({
      kind: 'short',
      shortage: { sku: 'SKU-001', requested: 2, available: 0 },
      unknown: true,
    });
    expect(explainFailedTake(ORDER, line, productWith(step('give', 'g')))).toBeUndefined();
  });
});

describe('Functions: onCreated, onCancelled, staleSteps, mergeLines', () => {
  it('routes each event by the reservation found', () => {
    const statuses = [undefined, 'RESERVING', 'RESERVED', 'FAILED', 'RELEASED', 'CANCELLED'] as const;
    const found = statuses.map((s) => (s ? reservation(s) : undefined));
    expect(found.map(onCreated)).toEqual(['reserve', 'reserve', 'finish', 'finish', 'finish', 'ignore']);
    expect(found.map(onCancelled)).toEqual(['ignore', 'abandon', 'release', 'ignore', 'finish', 'ignore']);
  });

  it('finds other orders’ steps in flight for longer than the stale period', () => {
    // Prepare
    const old = new Date(NOW.getTime() - STALE_STEP_MS - 1).toISOString();
    const product = productWith(
      step('take', 'a', old, 'ord_OTHER0000001'),
      step('take', 'b', NOW.toISOString(), 'ord_OTHER0000002'),
      step('take', 'c', old),
    );

    // Act / Assess
    expect(staleSteps([product], ORDER, NOW)).toEqual([
      { sku: 'SKU-001', step: step('take', 'a', old, 'ord_OTHER0000001') },
    ]);
  });

  it('merges lines per SKU and sorts them', () => {
    expect(
      mergeLines([
        { sku: 'SKU-002', quantity: 1 },
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-002', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'SKU-001', quantity: 2 },
      { sku: 'SKU-002', quantity: 4 },
    ]);
  });
});
