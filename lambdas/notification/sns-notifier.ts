/**
 * The AWS adapter: one SNS Publish per message to the notification topic.
 *
 * Delivery is at-least-once for email. A standard SNS topic has no deduplication (only FIFO topics
 * take a MessageDeduplicationId, and FIFO topics cannot have email subscriptions), so if the
 * function crashes or times out after Publish succeeded but before the event is marked handled,
 * the redelivery publishes the message again and the recipient can get it twice. The message id
 * travels as a message attribute so that any subscriber that keeps state (a Lambda relaying to
 * SES, an SQS queue) can drop the second copy; plain email subscriptions cannot.
 *
 * Who receives it is the subscribers' business: SNS delivers to every subscription of the topic,
 * so the `recipient` attribute is what a filter policy or a relaying subscriber routes on.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { environmentCredentials } from '../shared/aws-credentials';
import { refuseCallsPastInvocationDeadline } from '../shared/invocation-deadline';
import { tracer } from '../shared/observability';
import type { NotificationMessage, Notifier, SendResult } from './notifier';

/** SNS refuses subjects of 100 characters or more, and line breaks or control characters. */
export const SNS_SUBJECT_MAX_CHARS = 99;

let client: SNSClient | undefined;

/**
 * One client per execution environment, so its connections are reused across invocations; traced on
 * AWS; signed with the environment credentials Lambda provides; no call after the invocation's deadline.
 * Its middleware stack is resolved once, as the DynamoDB client's (../shared/aws-clients.ts says
 * what that saves and what it asks of code that adds middleware).
 */
export function sharedSnsClient(): SNSClient {
  client ??= tracer.captureAWSv3Client(
    refuseCallsPastInvocationDeadline(
      new SNSClient({ maxAttempts: 3, credentials: environmentCredentials, cacheMiddleware: true }),
    ),
  );
  return client;
}

/** `subject` made acceptable to SNS: whitespace runs and control characters folded, then shortened. */
export function snsSubject(subject: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const folded = subject.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const chars = Array.from(folded); // code points, so a surrogate pair is never cut in half
  if (chars.length <= SNS_SUBJECT_MAX_CHARS) return folded;
  return `${chars
    .slice(0, SNS_SUBJECT_MAX_CHARS - 3)
    .join('')
    .trimEnd()}...`;
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(message: NotificationMessage): Promise<SendResult> {
    const output = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(message.subject),
        Message: message.body,
        MessageAttributes: {
          template: { DataType: 'String', StringValue: message.template },
          recipient: { DataType: 'String', StringValue: message.recipient },
          messageId: { DataType: 'String', StringValue: message.messageId },
        },
      }),
    );
    return { status: 'sent', ...(output.MessageId ? { transportMessageId: output.MessageId } : {}) };
  }
}
