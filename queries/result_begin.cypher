// A result being saved (GraphStore.save_result): its header, not yet complete, so no reader
// takes it until result_commit.cypher marks it. $chunk: rows per chunk (result_write_chunks);
// $format: the stored format (stores/results.py RESULT_FORMAT; none is format 1).
CREATE (:Result {id: $run, key: $key, kind: $kind, on: $on, level: $level, token: $token,
                 computed_at: $computed_at, rows: 0, chunk: $chunk, job_id: $job_id,
                 format: $format, complete: false})
