/** Content type of a CloudEvent in structured mode. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
