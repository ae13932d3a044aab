// A page of Record nodes in record_id order (GraphStore.scan_nodes): the next $limit after
// $after (ordered by the record_id constraint's index). $below, $fields and the answer as
// in scan_subjects.cypher.
MATCH (n:Record)
WHERE n.record_id > $after AND n.record_id < $below
WITH n ORDER BY n.record_id LIMIT $limit
WITH collect(CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END)
       AS page,
     max(n.record_id) AS last
RETURN CASE WHEN $fields IS NULL THEN page END AS rows,
       CASE WHEN $fields IS NOT NULL
         THEN [i IN range(0, size($fields) - 1) | [row IN page | row[i]]] END AS columns,
       last, size(page) AS n
