// Every Region node in code order, streamed (GraphStore.scan_nodes; ordered by the
// region_code constraint's index). $fields: as in scan_subjects.cypher.
MATCH (n:Region)
WHERE n.code IS NOT NULL
RETURN CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END AS data
ORDER BY n.code
