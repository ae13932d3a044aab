// A page of Entity or Person nodes in sid order (GraphStore.scan_nodes): the next $limit
// after sid $after and below $below ('E:'..'E;' or 'P:'..'P;'), by a range of the
// subject_sid constraint's index (the server sorts nothing). The page comes back as one
// record: a row per node costs the driver a message each, most of a scan's time.
// $fields: the properties wanted, returned as a list per field in that order (`columns`: a
// list per node cost both sides three times as much, docs/decisions.md "Scans in columns");
// null: a map of all per node (`rows`).
MATCH (n:Subject)
WHERE n.sid > $after AND n.sid < $below
WITH n ORDER BY n.sid LIMIT $limit
WITH collect(CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END)
       AS page,
     max(n.sid) AS last
RETURN CASE WHEN $fields IS NULL THEN page END AS rows,
       CASE WHEN $fields IS NOT NULL
         THEN [i IN range(0, size($fields) - 1) | [row IN page | row[i]]] END AS columns,
       last, size(page) AS n
