// A block-store row with test defaults, for the codec and reader tests.
import type { Row } from '../row.js';

export function testRow(seq: number, over: Partial<Row> = {}): Row {
  return {
    seq,
    ms: 1_795_635_890_000 + seq,
    subNs: seq * 7,
    obsMs: 1_795_635_890_100 + seq,
    obsSubNs: 0,
    level: 2,
    levelText: 'INFO',
    severity: 9,
    service: 'checkout',
    host: 'web-1',
    message: `line ${seq}`,
    attrs: '',
    traceId: '',
    spanId: '',
    labels: '',
    protocol: 'ndjson',
    ...over,
  };
}
