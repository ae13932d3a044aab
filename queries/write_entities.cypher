// Upsert Entity nodes (also labelled Subject, keyed by sid). A row equal to what is stored
// (same content hash _h) changes nothing, so reloading a file leaves the graph unchanged.
// One index lookup per row: a node MERGE just created has no _h yet.
// $rows: [{sid, props}], $batch_id, $loaded_at
UNWIND $rows AS row
MERGE (n:Subject:Entity {sid: row.sid})
WITH row, n, CASE WHEN n._h IS NULL THEN 'created'
                  WHEN n._h = row.props._h OR n._src = row.props._h THEN 'unchanged' ELSE 'updated' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END |
  SET n.first_batch_id = $batch_id)
FOREACH (_ IN CASE WHEN outcome <> 'unchanged' THEN [1] ELSE [] END |
  SET n += row.props, n.batch_id = $batch_id, n.loaded_at = $loaded_at)
RETURN outcome, count(*) AS n
