// Keep (seq, hash) as the audit log's checkpoint unless a later one is kept. $log, $seq, $hash
MERGE (a:AuditAnchor {log: $log})
WITH a, coalesce(a.seq, 0) < $seq AS newer
SET a.seq = CASE WHEN newer THEN $seq ELSE a.seq END,
    a.hash = CASE WHEN newer THEN $hash ELSE a.hash END
