// A page of Region nodes in code order (GraphStore.scan_nodes): the next $limit after
// $after (ordered by the region_code constraint's index). $below, $fields and the answer as
// in scan_subjects.cypher.
MATCH (n:Region)
WHERE n.code > $after AND n.code < $below
WITH n ORDER BY n.code LIMIT $limit
RETURN collect(CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END)
         AS rows,
       max(n.code) AS last, count(n) AS n
