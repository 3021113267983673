/**
 * The notification service's port to the outside world: something that delivers one composed
 * message. On AWS that is an SNS topic; in the local runtime it is a file outbox on disk.
 */
import { ENV } from '../../lib/runtime-contract';
import { MissingConfigError } from '../shared/env';
import type { NotificationSentV1 } from '../shared/events/types.generated';
import { OutboxNotifier } from './outbox-notifier';
import { SnsNotifier, sharedSnsClient } from './sns-notifier';

export type Template = NotificationSentV1['template'];
export type Channel = NotificationSentV1['channel'];

export interface NotificationMessage {
  /**
   * Derived from the incoming event id, so every delivery of one event carries the same id: the
   * adapter (or whatever reads the message downstream) can recognise a message it has seen.
   */
  readonly messageId: string;
  readonly channel: Channel;
  readonly template: Template;
  readonly recipient: string;
  readonly subject: string;
  /** Plain text. */
  readonly body: string;
}

export interface SendResult {
  /** `duplicate`: the adapter already holds a message with this id and did not send it again. */
  readonly status: 'sent' | 'duplicate';
  /** The id the transport gave the message (SNS MessageId), for tracing. */
  readonly transportMessageId?: string;
}

export interface Notifier {
  /** Resolves once the transport accepted the message; throws if it did not. */
  send(message: NotificationMessage): Promise<SendResult>;
}

/**
 * The local runtime sets an outbox directory, the CDK stack sets the topic ARN. Neither set is a
 * deployment mistake, and it surfaces at cold start rather than at the first event.
 */
export function notifierFromEnv(env: NodeJS.ProcessEnv = process.env): Notifier {
  const outboxDir = env[ENV.notificationOutboxDir];
  if (outboxDir) return new OutboxNotifier({ dir: outboxDir });
  const topicArn = env[ENV.notificationTopicArn];
  if (topicArn) return new SnsNotifier(sharedSnsClient(), topicArn);
  throw new MissingConfigError(
    `the notification service has nowhere to send messages: set ${ENV.notificationTopicArn} (the SNS topic, on AWS) ` +
      `or ${ENV.notificationOutboxDir} (a local outbox directory)`,
  );
}
