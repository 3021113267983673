/** Building the MSK events Lambda would deliver for CloudEvents, for service and wrapper tests. */

import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type DecodedRecord, decodeMskEvent, type MskEvent } from '../../lambdas/shared/kafka/msk-event';
import { domainTopic, EVENTS, type EventName, eventNameOf } from '../../lib/topology';

export function nameOf(event: CloudEvent): EventName {
  const name = eventNameOf(event.type);
  if (name === undefined) throw new Error(`"${event.type}" names no event of lib/topology.ts`);
  return name;
}

/** One event of partition 0 of the first event's domain topic, offsets counting up from `offset`. */
export function mskEventOf(events: CloudEvent | readonly CloudEvent[], offset = 0): MskEvent {
  const list = Array.isArray(events) ? events : [events as CloudEvent];
  const topic = domainTopic(EVENTS[nameOf(list[0] as CloudEvent)].domain);
  return {
    eventSource: 'aws:kafka',
    bootstrapServers: 'b-1.test:9098',
    records: {
      [`${topic}-0`]: list.map((event, i) => ({
        topic,
        partition: 0,
        offset: offset + i,
        timestamp: Date.parse(event.time),
        timestampType: 'CREATE_TIME' as const,
        key: Buffer.from(event.subject).toString('base64'),
        value: Buffer.from(JSON.stringify(event)).toString('base64'),
        headers: [],
      })),
    },
  };
}

/** The decoded record a handler receives alongside the event. */
export function recordOf(event: CloudEvent): DecodedRecord {
  return decodeMskEvent(mskEventOf(event))[0] as DecodedRecord;
}
