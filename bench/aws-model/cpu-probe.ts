/**
 * How fast this machine's CPU runs right now, for the AWS model. The bench machine is shared: the
 * same work costs it 1.5 to 2 times more CPU time when others keep its two cores busy (caches and
 * the core's other hardware thread are shared; measured 300 to 560 ms for one piece of work within
 * minutes, 2026-11-30). A batch's CPU time is therefore scaled back to the machine at rest by a
 * probe: a fixed piece of work like a handler's (a CloudEvent serialised, parsed and hashed),
 * timed in the function's own process right before each batch.
 *
 * The reference is the probe's CPU time on this machine at rest (the least of many runs, see
 * CPU_PROBE_AT_REST_MS). The scaling is an approximation: the handler's work and the probe's suffer
 * alike from a busy machine only if they use the CPU alike; both are short-lived JavaScript objects
 * and strings, so the probe is the nearest cheap stand-in.
 */
import { createHash } from 'node:crypto';

const SAMPLE_EVENT = {
  specversion: '1.0',
  id: '01JDQ9V6T4W3X2Y1Z0ABCDEFGH',
  source: 'orderpipeline/order-api',
  type: 'orderpipeline.OrderCreated',
  subject: 'ord_01JDQ9V6T4W3X2Y1Z0ABCDEF',
  time: '2026-11-30T08:00:00.000Z',
  datacontenttype: 'application/json',
  dataschema: 'orderpipeline:OrderCreated:2',
  correlationid: 'ord_01JDQ9V6T4W3X2Y1Z0ABCDEF',
  data: {
    orderId: 'ord_01JDQ9V6T4W3X2Y1Z0ABCDEF',
    customerId: 'c-42',
    items: [
      { sku: 'SKU-001', quantity: 1, unitPrice: 1999 },
      { sku: 'SKU-004', quantity: 1, unitPrice: 4999 },
    ],
    total: 6998,
    currency: 'EUR',
    paymentMethod: 'tok_visa',
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
    email: 'ada@example.com',
  },
};

/** Rounds of the probe's work: about 5 ms of CPU at rest. */
const ROUNDS = 600;

/**
 * The probe's CPU time on this machine at rest, ms: the least of 5 x 200 probes (each the least of
 * three runs) taken in quiet moments of 2026-11-30 (load averages down to about 3 on 2 cores).
 * Re-measure with `tsx bench/aws-model/cpu-probe.ts` when the bench moves to another machine.
 */
export const CPU_PROBE_AT_REST_MS = 4.5;

function work(): number {
  let length = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const text = JSON.stringify({ ...SAMPLE_EVENT, id: `${SAMPLE_EVENT.id}${i}` });
    const parsed = JSON.parse(text) as typeof SAMPLE_EVENT;
    length += createHash('sha256').update(text).digest('hex').length + parsed.data.items.length;
  }
  return length;
}

/** The probe's CPU time now, ms: the least of three runs, so one unlucky moment does not count. */
export function probeCpuMs(): number {
  let least = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return least;
}

/** How many times slower than at rest the CPU ran, from a probe taken now (1 = at rest). */
export function cpuSlowdown(probeMs: number, atRestMs = CPU_PROBE_AT_REST_MS): number {
  if (!(probeMs > 0) || !(atRestMs > 0)) {
    throw new RangeError(`CPU probe times must be positive, got ${probeMs} ms now and ${atRestMs} ms at rest`);
  }
  return probeMs / atRestMs;
}

if (require.main === module) {
  // `tsx bench/aws-model/cpu-probe.ts`: the least of 200 probes, to re-measure CPU_PROBE_AT_REST_MS.
  for (let i = 0; i < 20; i++) work();
  const probes = Array.from({ length: 200 }, probeCpuMs).sort((a, b) => a - b);
  process.stdout.write(
    `probe CPU: least ${probes[0]?.toFixed(2)} ms, median ${probes[100]?.toFixed(2)} ms (now: ${CPU_PROBE_AT_REST_MS} ms at rest)\n`,
  );
}
