// Upsert Record nodes and their CONCERNS edge to the subject (Entity or Person).
// One index lookup per row: a record MERGE just created has no _h yet.
// $rows: [{record_id, subject_sid, props}], $batch_id, $loaded_at
UNWIND $rows AS row
MERGE (c:Record {record_id: row.record_id})
WITH row, c, CASE WHEN c._h IS NULL THEN 'created'
                  WHEN c._h = row.props._h OR c._src = row.props._h THEN 'unchanged' ELSE 'updated' END AS outcome
// A changed record keeps its earlier version (for as-of questions), never overwritten.
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END |
  CREATE (v:RecordVersion)-[:VERSION_OF]->(c)
  SET v = properties(c))
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  SET c.first_batch_id = $batch_id)
FOREACH (_ IN CASE WHEN outcome <> 'unchanged' THEN [1] ELSE [] END |
  SET c += row.props, c.batch_id = $batch_id, c.loaded_at = $loaded_at)
WITH c, row, outcome
MATCH (s:Subject {sid: row.subject_sid})
MERGE (c)-[:CONCERNS]->(s)
WITH c, s, outcome
OPTIONAL MATCH (c)-[stale:CONCERNS]->(other) WHERE other <> s
DELETE stale
RETURN outcome, count(DISTINCT c) AS n
