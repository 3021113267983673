/** The fault suite under AWS's wording for partial responses and the most pessimistic retry count. */
import { readingNamed } from '../../local/esm/readings';
import { faultSuite } from './fault-suite';

faultSuite(readingNamed('reported-only,per-record,leaves-only'));
