// Every Entity or Person node in sid order, streamed (GraphStore.scan_nodes; the order comes
// from the subject_sid constraint's index, so the server sorts nothing). $prefix: 'E:' or
// 'P:'; $fields: the properties wanted, returned as values in that order (null: all, as props).
MATCH (n:Subject)
WHERE n.sid STARTS WITH $prefix
RETURN CASE WHEN $fields IS NULL THEN properties(n) END AS props,
       [f IN coalesce($fields, []) | n[f]] AS values
ORDER BY n.sid
