/**
 * How the local runtime's Kafka consumers (the trigger emulators, the console's tap) and the
 * benchmark's raw pipeline poll the local broker: short session and fetch waits, for quick local
 * latency, quick rebalances and a quick shutdown. One place, so all of them poll alike.
 */
export const LOCAL_CONSUMER_TUNING = {
  sessionTimeout: 6_000, // the broker's group.min.session.timeout.ms
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
} as const;
