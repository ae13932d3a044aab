// A page of Region nodes in code order (GraphStore.scan_nodes): the next $limit after
// $after (ordered by the region_code constraint's index). $below, $fields and the answer as
// in scan_subjects.cypher.
MATCH (n:Region)
WHERE n.code > $after AND n.code < $below
WITH n ORDER BY n.code LIMIT $limit
WITH collect(CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END)
       AS page,
     max(n.code) AS last
RETURN CASE WHEN $fields IS NULL THEN page END AS rows,
       CASE WHEN $fields IS NOT NULL
         THEN [i IN range(0, size($fields) - 1) | [row IN page | row[i]]] END AS columns,
       last, size(page) AS n
