// Create Person items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_persons).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager;
// the columns the schema does not name go in as one map (no Eager on this node).
// $rows: [{..identity.., props, extra}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MERGE (n:Subject:Person {sid: row.sid})
  ON CREATE SET n.key = row.props.key,
    n.name = row.props.name,
    n.id_masked = row.props.id_masked,
    n.id_sealed = row.props.id_sealed,
    n.source = row.props.source,
    n._h = row.props._h,
    n._src = row.props._src,
    n.batch_id = $batch_id,
    n.loaded_at = $loaded_at,
    n.first_batch_id = $batch_id,
    n += row.extra
