// A node and a page of its direct neighbours (the investigator page's view).
// The node is named by exactly one of $sid (Entity/Person), $code (Region) or $record_id
// (Record); the others are null. $on: 'YYYY-MM-DD' or null (any time): dated relationships
// count when start_date <= $on <= end_date (an empty end is open), a record from the day it
// was decided, SUPERVISED_BY always. Neighbours in order: records, persons, entities, regions,
// then by id; $offset, $limit pick the page. Same rules as stores/base.py active_on.
CALL () {
  MATCH (n:Subject {sid: $sid}) RETURN n
  UNION
  MATCH (n:Region {code: $code}) RETURN n
  UNION
  MATCH (n:Record {record_id: $record_id}) RETURN n
}
WITH n LIMIT 1
CALL (n) {
  MATCH (n)-[r:ROLE|HOLDS|REGISTERED_IN|CONCERNS|SUPERVISED_BY]-(m)
  WHERE $on IS NULL
     OR type(r) = 'SUPERVISED_BY'
     OR (type(r) = 'CONCERNS' AND startNode(r).decided_on <= $on)
     OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
         AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date))
  RETURN count(DISTINCT m) AS total
}
CALL (n) {
  MATCH (n)-[r:ROLE|HOLDS|REGISTERED_IN|CONCERNS|SUPERVISED_BY]-(m)
  WHERE $on IS NULL
     OR type(r) = 'SUPERVISED_BY'
     OR (type(r) = 'CONCERNS' AND startNode(r).decided_on <= $on)
     OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
         AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date))
  WITH DISTINCT m
  WITH m,
       CASE WHEN m:Record THEN 0 WHEN m:Person THEN 1 WHEN m:Entity THEN 2 ELSE 3 END AS rank,
       CASE WHEN m:Subject THEN m.sid WHEN m:Region THEN 'R:' + m.code
            ELSE 'C:' + m.record_id END AS mid
  ORDER BY rank, mid
  SKIP $offset LIMIT $limit
  RETURN collect(m) AS shown
}
CALL (n, shown) {
  UNWIND shown AS m
  MATCH (n)-[r:ROLE|HOLDS|REGISTERED_IN|CONCERNS|SUPERVISED_BY]-(m)
  WHERE $on IS NULL
     OR type(r) = 'SUPERVISED_BY'
     OR (type(r) = 'CONCERNS' AND startNode(r).decided_on <= $on)
     OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
         AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date))
  RETURN collect({type: type(r), outgoing: startNode(r) = n, other: m,
                  props: properties(r)}) AS rels
}
RETURN labels(n) AS labels, properties(n) AS props, total,
       [m IN shown | {labels: labels(m), props: properties(m)}] AS neighbours,
       [x IN rels | {type: x.type, outgoing: x.outgoing, other_labels: labels(x.other),
                     other: properties(x.other), props: x.props}] AS rels
