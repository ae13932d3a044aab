// Every Region node in code order, streamed (GraphStore.scan_nodes; ordered by the
// region_code constraint's index). $fields: as in scan_subjects.cypher.
MATCH (n:Region)
WHERE n.code IS NOT NULL
RETURN CASE WHEN $fields IS NULL THEN properties(n) END AS props,
       [f IN coalesce($fields, []) | n[f]] AS values
ORDER BY n.code
