// A page of the relationships of one type (GraphStore.scan_relationships): those whose
// internal id is in [$lo, $hi) (their range: scan_relationship_ids.cypher), each found by its
// id (a seek, no index). Pages of ids walk the relationship and property stores in the order
// they lie on disk; paging by the start node's sid read them in index order, scattered — at
// 1M entities four times the server's time, most of it waiting on the disk (docs/decisions.md,
// "The grading scan").
// The page comes back as one record, in columns: `starts` and `ends`, the ends' keys (E:/P:
// subjects by sid, C: records, R: regions; with $node_ids true their internal ids instead, from
// the relationship record alone: no end node read), and the properties — with $fields a list
// per field (`columns`, in that order), else a map per relationship (`props`). A row per
// relationship would cost the driver a message each, and a list per relationship took both
// sides three times a column's time (docs/decisions.md, "Scans in columns").
// REL_TYPE is filled in by graph_service.queries.with_type with a type of the graph model,
// never a caller's text. id() is deprecated in Cypher 5 without a replacement for a seek by a
// range of ids; elementId() has none.
// $on: 'YYYY-MM-DD' or null (any time); the rule of stores/base.py active_on and
// queries/neighbourhood.cypher: dated relationships count when start_date <= $on <= end_date
// (an empty end is open), a record CONCERNS its subject from the day it was decided,
// SUPERVISED_BY and NAMES always.
UNWIND range($lo, $hi - 1) AS i
MATCH (a)-[r:REL_TYPE]->(b)
WHERE id(r) = i
  AND ($on IS NULL
       OR type(r) IN ['SUPERVISED_BY', 'NAMES']
       OR (type(r) = 'CONCERNS' AND a.decided_on <= $on)
       OR (type(r) IN ['ROLE', 'HOLDS', 'REGISTERED_IN'] AND r.start_date <= $on
           AND (r.end_date IS NULL OR r.end_date = '' OR $on <= r.end_date)))
WITH collect(CASE WHEN $node_ids THEN id(a) WHEN a:Record THEN 'C:' + a.record_id
                  ELSE a.sid END) AS starts,
     collect(CASE WHEN $node_ids THEN id(b) WHEN b:Region THEN 'R:' + b.code ELSE b.sid END)
       AS ends,
     collect(CASE WHEN $fields IS NULL THEN properties(r) ELSE [f IN $fields | r[f]] END) AS rows
RETURN starts, ends,
       CASE WHEN $fields IS NULL THEN rows END AS props,
       CASE WHEN $fields IS NOT NULL
         THEN [i IN range(0, size($fields) - 1) | [row IN rows | row[i]]] END AS columns
