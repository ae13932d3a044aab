// Every relationship of one type, streamed (GraphStore.scan_relationships): the node ids of
// its ends (E:/P: subjects by sid, C: records, R: regions) and its properties (or only
// $fields, as a list in that order). REL_TYPE is filled in by graph_service.queries.with_type
// with a type of the graph model, never a caller's text. $on: 'YYYY-MM-DD' or null (any
// time); the same rule as stores/base.py active_on and queries/neighbourhood.cypher: dated
// relationships count when start_date <= $on <= end_date (an empty end is open), a record
// CONCERNS its subject from the day it was decided, NAMES and SUPERVISED_BY always.
MATCH (a)-[r:REL_TYPE]->(b)
WHERE $on IS NULL
   OR type(r) IN ['NAMES', 'SUPERVISED_BY']
   OR (type(r) = 'CONCERNS' AND a.decided_on <= $on)
   OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
       AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date))
RETURN coalesce(a.sid, 'C:' + a.record_id) AS a_id,
       coalesce(b.sid, 'R:' + b.code) AS b_id,
       CASE WHEN $fields IS NULL THEN properties(r) ELSE [f IN $fields | r[f]] END AS data
