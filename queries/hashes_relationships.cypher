// The content hashes of the REL_TYPE relationships starting at the next $limit subjects after
// sid $after and below $below, as scan_relationships.cypher pages them: every _h, and _src
// where it differs (a load compares its rows with them in one pass,
// graph_service/stores/load_state.py), without the ends' ids scan_relationships returns (a
// third of the time). REL_TYPE is filled in by graph_service.queries.with_type.
MATCH (a:Subject)
WHERE a.sid > $after AND a.sid < $below
WITH a ORDER BY a.sid LIMIT $limit
WITH collect(a) AS page
CALL (page) {
  UNWIND page AS a
  MATCH (a)-[r:REL_TYPE]->()
  WITH r._h AS h, r._src AS s
  RETURN collect(h) + collect(CASE WHEN s <> h THEN s END) AS rows
}
RETURN rows, page[-1].sid AS last, size(page) AS n
