/** The fault suite with retries counted per batch, as for stream sources, and partitions resumed from the lowest named offset. */
import { readingNamed } from '../../local/esm/readings';
import { faultSuite } from './fault-suite';

faultSuite(readingNamed('from-lowest,per-batch,leaves-only'));
