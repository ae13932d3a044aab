// Every Record node in record_id order, streamed (GraphStore.scan_nodes; ordered by the
// record_id constraint's index). $fields: as in scan_subjects.cypher.
MATCH (n:Record)
WHERE n.record_id IS NOT NULL
RETURN CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END AS data
ORDER BY n.record_id
