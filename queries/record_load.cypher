// Append one load's summary to the load log. $batch_id, $started_at, $summary (JSON text)
CREATE (:Load {batch_id: $batch_id, started_at: $started_at, summary: $summary})
