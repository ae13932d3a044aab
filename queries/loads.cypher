// The load log, oldest first.
MATCH (l:Load)
RETURN l.summary AS summary
ORDER BY l.started_at, l.batch_id
