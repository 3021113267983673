/**
 * The filter criteria of every event source mapping, built once for the CDK stack and the local
 * emulator alike. EventBridge pattern syntax on the Kafka record `value` (the only key Lambda lets
 * Kafka ESMs filter on), patterns ORed, at most five per ESM.
 *
 * A filter must not be where a poison record disappears: Lambda drops and commits whatever no
 * pattern matches. So besides the event types the subscription handles, the patterns let through
 * every record that is not a known event of its topic, and the consumer dead-letters it with its
 * reason. What stays filtered out is exactly the known traffic of the topic that belongs to other
 * subscribers (e.g. OrderConfirmed on orders.events for payment).
 *
 * Not routable on AWS, because Lambda reads the value as UTF-8 and otherwise only applies metadata
 * filters, which Kafka ESMs do not have: a value that is not UTF-8, an empty value and a tombstone.
 * docs/RELIABILITY.md lists them.
 */
import { cloudEventType, type Domain, EVENT_NAMES, EVENTS, type SubscriptionSpec } from './topology';

export type FilterPattern = { readonly [key: string]: unknown };

/** Lambda's default quota of filters per event source mapping. */
export const MAX_FILTERS_PER_ESM = 5;

/** Every CloudEvent type published to a domain's topic. */
export function topicEventTypes(domain: Domain): string[] {
  return EVENT_NAMES.filter((e) => EVENTS[e].domain === domain).map(cloudEventType);
}

export function subscriptionFilterPatterns(subscription: SubscriptionSpec): FilterPattern[] {
  return [
    // The events the function handles.
    { value: { type: subscription.events.map(cloudEventType) } },
    // A type that is not a known event of this topic: unknown, misrouted, or not a string.
    { value: { type: [{ 'anything-but': topicEventTypes(subscription.domain) }] } },
    // JSON without a type.
    { value: { type: [{ exists: false }] } },
    // A plain (non-JSON) string: Lambda matches such values as strings, never JSON objects.
    { value: [{ 'anything-but': [''] }] },
  ];
}
