// Note a load as it starts, then its summary when it ends. $batch_id, $started_at,
// $summary (JSON text)
MERGE (l:Load {batch_id: $batch_id})
SET l.started_at = $started_at, l.summary = $summary
