// Upsert ROLE relationships (a person's office in an entity), identified by their endpoints and {role: row.role, start_date: row.start_date}.
// One pass: a relationship MERGE just created has no _h yet.
// $rows: [{..identity.., props}], $batch_id, $loaded_at
UNWIND $rows AS row
MATCH (a:Person {key: row.person_key})
MATCH (b:Entity {uscc: row.uscc})
MERGE (a)-[r:ROLE {role: row.role, start_date: row.start_date}]->(b)
WITH row, r, CASE WHEN r._h IS NULL THEN 'created'
                  WHEN r._h = row.props._h OR r._src = row.props._h THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  SET r.first_batch_id = $batch_id)
FOREACH (_ IN CASE WHEN outcome <> 'unchanged' THEN [1] ELSE [] END |
  SET r += row.props, r.batch_id = $batch_id, r.loaded_at = $loaded_at)
RETURN outcome, count(*) AS n
