// A page of Entity or Person nodes in sid order (GraphStore.scan_nodes): the next $limit
// after sid $after and below $below ('E:'..'E;' or 'P:'..'P;'), by a range of the
// subject_sid constraint's index (the server sorts nothing). The page comes back as one
// record: a row per node costs the driver a message each, most of a scan's time.
// $fields: the properties wanted, returned as a list in that order (null: a map of all).
MATCH (n:Subject)
WHERE n.sid > $after AND n.sid < $below
WITH n ORDER BY n.sid LIMIT $limit
RETURN collect(CASE WHEN $fields IS NULL THEN properties(n) ELSE [f IN $fields | n[f]] END)
         AS rows,
       max(n.sid) AS last, count(n) AS n
