// The audit log's latest checkpoint. $log: the log's path
MATCH (a:AuditAnchor {log: $log})
RETURN a.seq AS seq, a.hash AS hash
