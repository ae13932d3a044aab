// A batch of a result's chunks (GraphStore.save_result): each the JSON of $rows consecutive
// rows, one per line, zlib-compressed (c.rows, bytes), numbered from 0 (c.n) in stored order.
UNWIND $chunks AS c
CREATE (:ResultChunk {run: $run, n: c.n, rows: c.rows})
