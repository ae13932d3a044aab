// Every Entity or Person node in sid order, streamed (GraphStore.scan_nodes; the order comes
// from the subject_sid constraint's index, so the server sorts nothing). $prefix: 'E:' or
// 'P:'; $fields: the properties wanted, returned as a list in that order (null: a map of all).
MATCH (n:Subject)
WHERE n.sid STARTS WITH $prefix
RETURN CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END AS data
ORDER BY n.sid
