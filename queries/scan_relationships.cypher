// A page of the relationships of one type (GraphStore.scan_relationships): those starting at
// the next $limit subjects after sid $after and below $below (the relationship's start label
// in graph.yaml: 'E:'..'E;' entities, 'P:'..'P;' persons, 'E:'..'P;' any subject), in one
// record as in scan_subjects.cypher: each row the ends' node ids (E:/P: subjects by sid,
// R: regions) and the properties (or only $fields, as a list in that order); `last` and `n`
// are the last start node of the page and how many it took. REL_TYPE is filled in by
// graph_service.queries.with_type with a type of the graph model, never a caller's text.
// $on: 'YYYY-MM-DD' or null (any time); the same rule as stores/base.py active_on and
// queries/neighbourhood.cypher: dated relationships count when start_date <= $on <= end_date
// (an empty end is open), SUPERVISED_BY always.
MATCH (a:Subject)
WHERE a.sid > $after AND a.sid < $below
WITH a ORDER BY a.sid LIMIT $limit
WITH collect(a) AS page
CALL (page) {
  UNWIND page AS a
  MATCH (a)-[r:REL_TYPE]->(b)
  WHERE $on IS NULL
     OR type(r) = 'SUPERVISED_BY'
     OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
         AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date))
  RETURN collect([a.sid, coalesce(b.sid, 'R:' + b.code),
                  CASE WHEN $fields IS NULL THEN properties(r) ELSE [f IN $fields | r[f]] END])
           AS rows
}
RETURN rows, page[-1].sid AS last, size(page) AS n
