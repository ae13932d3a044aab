// A page of the relationships of one type that start at records (CONCERNS, NAMES;
// GraphStore.scan_relationships): those of the next $limit records after record_id $after
// and below $below, in one record as in scan_relationships.cypher, the start as
// 'C:' + record_id. REL_TYPE as there. $on: 'YYYY-MM-DD' or null (any time); the rule of
// stores/base.py active_on: a record CONCERNS its subject from the day it was decided,
// NAMES always.
MATCH (a:Record)
WHERE a.record_id > $after AND a.record_id < $below
WITH a ORDER BY a.record_id LIMIT $limit
WITH collect(a) AS page
CALL (page) {
  UNWIND page AS a
  MATCH (a)-[r:REL_TYPE]->(b)
  WHERE $on IS NULL OR type(r) = 'NAMES' OR (type(r) = 'CONCERNS' AND a.decided_on <= $on)
  RETURN collect(['C:' + a.record_id, b.sid,
                  CASE WHEN $fields IS NULL THEN properties(r) ELSE [f IN $fields | r[f]] END])
           AS rows
}
RETURN rows, page[-1].record_id AS last, size(page) AS n
