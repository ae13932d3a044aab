// Create ROLE items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_roles).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager.
// $rows: [{..identity.., props}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MATCH (a:Person {key: row.person_key})
MATCH (b:Entity {uscc: row.uscc})
MERGE (a)-[r:ROLE {role: row.role, start_date: row.start_date}]->(b)
  ON CREATE SET r.person_key = row.props.person_key,
    r.uscc = row.props.uscc,
    r.end_date = row.props.end_date,
    r.source = row.props.source,
    r._h = row.props._h,
    r._src = row.props._src,
    r.batch_id = $batch_id,
    r.loaded_at = $loaded_at,
    r.first_batch_id = $batch_id
