// Upsert NAMES relationships (a person a record names as responsible), identified by their
// endpoints and {capacity: row.capacity}.
// $rows: [{record_id, person_key, capacity, props}], $batch_id, $loaded_at
UNWIND $rows AS row
MATCH (c:Record {record_id: row.record_id})
MATCH (p:Person {key: row.person_key})
OPTIONAL MATCH (c)-[old:NAMES {capacity: row.capacity}]->(p)
WITH row, c, p, CASE WHEN old IS NULL THEN 'created'
                     WHEN old._h = row.props._h OR old._src = row.props._h THEN 'unchanged' ELSE 'updated' END AS outcome
MERGE (c)-[r:NAMES {capacity: row.capacity}]->(p)
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  SET r.first_batch_id = $batch_id)
FOREACH (_ IN CASE WHEN outcome <> 'unchanged' THEN [1] ELSE [] END |
  SET r += row.props, r.batch_id = $batch_id, r.loaded_at = $loaded_at)
RETURN outcome, count(*) AS n
