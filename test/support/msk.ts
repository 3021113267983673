/** Building the MSK events Lambda would deliver for CloudEvents, for service and wrapper tests. */

import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type DecodedRecord, decodeMskEvent } from '../../lambdas/shared/kafka/msk-event';
import { type EventName, eventNameOf } from '../../lib/topology';
import { mskEventOf } from '../../local/esm/msk-event-builder';

export { mskEventOf };

export function nameOf(event: CloudEvent): EventName {
  const name = eventNameOf(event.type);
  if (name === undefined) throw new Error(`"${event.type}" names no event of lib/topology.ts`);
  return name;
}

/** The decoded record a handler receives alongside the event. */
export function recordOf(event: CloudEvent): DecodedRecord {
  return decodeMskEvent(mskEventOf(event))[0] as DecodedRecord;
}
