// A page of Record nodes in record_id order (GraphStore.scan_nodes): the next $limit after
// $after (ordered by the record_id constraint's index). $below, $fields and the answer as
// in scan_subjects.cypher.
MATCH (n:Record)
WHERE n.record_id > $after AND n.record_id < $below
WITH n ORDER BY n.record_id LIMIT $limit
WITH collect(n) AS page
RETURN CASE WHEN $fields IS NULL THEN [x IN page | properties(x)] END AS rows,
       CASE WHEN $fields IS NOT NULL THEN [f IN $fields | [x IN page | x[f]]] END AS columns,
       page[-1].record_id AS last, size(page) AS n
