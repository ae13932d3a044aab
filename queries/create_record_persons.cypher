// Create NAMES items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_record_persons).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager.
// $rows: [{..identity.., props}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MATCH (a:Record {record_id: row.record_id})
MATCH (b:Person {key: row.person_key})
MERGE (a)-[r:NAMES {capacity: row.capacity}]->(b)
  ON CREATE SET r.record_id = row.props.record_id,
    r.person_key = row.props.person_key,
    r.since = row.props.since,
    r.source = row.props.source,
    r._h = row.props._h,
    r._src = row.props._src,
    r.batch_id = $batch_id,
    r.loaded_at = $loaded_at,
    r.first_batch_id = $batch_id
