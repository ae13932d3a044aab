// A page of Region nodes in code order (GraphStore.scan_nodes): the next $limit after
// $after (ordered by the region_code constraint's index). $below, $fields and the answer as
// in scan_subjects.cypher.
MATCH (n:Region)
WHERE n.code > $after AND n.code < $below
WITH n ORDER BY n.code LIMIT $limit
WITH collect(n) AS page
RETURN CASE WHEN $fields IS NULL THEN [x IN page | properties(x)] END AS rows,
       CASE WHEN $fields IS NOT NULL THEN [f IN $fields | [x IN page | x[f]]] END AS columns,
       page[-1].code AS last, size(page) AS n
