/** The fault suite with partitions resumed from the lowest named offset, and filters that pass every event. */
import { readingNamed } from '../../local/esm/readings';
import { faultSuite } from './fault-suite';

faultSuite(readingNamed('from-lowest,per-record,whole-value'));
