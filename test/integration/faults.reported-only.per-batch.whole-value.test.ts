/** The fault suite with only the named records retried, retries counted per batch, and filters that pass every event. */
import { readingNamed } from '../../local/esm/readings';
import { faultSuite } from './fault-suite';

faultSuite(readingNamed('reported-only,per-batch,whole-value'));
