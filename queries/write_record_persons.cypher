// Upsert NAMES relationships (a person a record names as responsible), identified by their
// endpoints and {capacity: row.capacity}.
// One pass: a relationship MERGE just created has no _h yet.
// $rows: [{record_id, person_key, capacity, props}], $batch_id, $loaded_at
UNWIND $rows AS row
MATCH (c:Record {record_id: row.record_id})
MATCH (p:Person {key: row.person_key})
MERGE (c)-[r:NAMES {capacity: row.capacity}]->(p)
WITH row, r, CASE WHEN r._h IS NULL THEN 'created'
                  WHEN r._h = row.props._h OR r._src = row.props._h THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  SET r.first_batch_id = $batch_id)
FOREACH (_ IN CASE WHEN outcome <> 'unchanged' THEN [1] ELSE [] END |
  SET r += row.props, r.batch_id = $batch_id, r.loaded_at = $loaded_at)
RETURN outcome, count(*) AS n
