// Create HOLDS items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_holdings).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager.
// $rows: [{..identity.., props}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MATCH (a:Subject {sid: row.holder_sid})
MATCH (b:Entity {uscc: row.uscc})
MERGE (a)-[r:HOLDS {start_date: row.start_date}]->(b)
  ON CREATE SET r.holder_type = row.props.holder_type,
    r.holder_key = row.props.holder_key,
    r.uscc = row.props.uscc,
    r.percent = row.props.percent,
    r.end_date = row.props.end_date,
    r.source = row.props.source,
    r._h = row.props._h,
    r._src = row.props._src,
    r.batch_id = $batch_id,
    r.loaded_at = $loaded_at,
    r.first_batch_id = $batch_id
