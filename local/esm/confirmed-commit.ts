/**
 * An offset commit that is known to have happened. kafkajs's `consumer.commitOffsets` returns
 * without committing, and without an error, when its runner has stopped: from the moment a crash
 * (the broker restarting, say) or a stop begins until the consumer group is torn down
 * (kafkajs 2.2.4 src/consumer/runner.js `commitOffsets`: "consumer not running, exiting"). The
 * emulator would then believe a partition committed whose offset the broker never took: nothing is
 * fetched again, so the group's lag stays at the last records until some later commit, and
 * OffsetLag says so for good. The only sign that the broker took a commit is the consumer's
 * COMMIT_OFFSETS event, which kafkajs emits once the coordinator has answered.
 */
import type { Consumer } from '../../lambdas/shared/kafka/driver';

/** The part of a kafkajs consumer a confirmed commit uses. */
export type CommitSurface = Pick<Consumer, 'commitOffsets' | 'on' | 'events'>;

export class CommitNotTakenError extends Error {
  constructor(topic: string, partition: number, offset: number) {
    super(
      `the commit of offset ${offset} of ${topic}-${partition} was not taken: the consumer was stopping or ` +
        'restarting (kafkajs then returns without committing); it is committed again once the consumer runs',
    );
    this.name = 'CommitNotTakenError';
  }
}

/** Commits `offset` (the next offset to read) of one partition; throws unless the broker took it. */
export async function commitConfirmed(
  consumer: CommitSurface,
  topic: string,
  partition: number,
  offset: number,
): Promise<void> {
  let taken = false;
  const stopListening = consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    taken ||= payload.topics.some(
      (t) =>
        t.topic === topic &&
        t.partitions.some((p) => Number(p.partition) === partition && String(p.offset) === String(offset)),
    );
  });
  try {
    await consumer.commitOffsets([{ topic, partition, offset: String(offset) }]);
  } finally {
    stopListening();
  }
  if (!taken) throw new CommitNotTakenError(topic, partition, offset);
}
