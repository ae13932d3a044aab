// The content hashes of the next $limit Entity or Person nodes after sid $after and below
// $below, as scan_subjects.cypher pages them: every _h, and _src where it differs (a load
// compares its rows with them in one pass, graph_service/stores/load_state.py). One flat list
// per page, the cheapest answer to decode; `last` and `n` as in scan_subjects.cypher.
MATCH (n:Subject)
WHERE n.sid > $after AND n.sid < $below
WITH n ORDER BY n.sid LIMIT $limit
WITH n.sid AS sid, n._h AS h, n._src AS s
RETURN collect(h) + collect(CASE WHEN s <> h THEN s END) AS rows, max(sid) AS last,
       count(*) AS n
