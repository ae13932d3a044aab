// Create Person items for rows the load found missing (the store rolls back and
// sends the batch to write_persons when a uniqueness constraint refuses a node).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager;
// the columns the schema does not name go in as one map (no Eager on this node).
// $rows: [{..identity.., props, extra}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
CREATE (n:Subject:Person {sid: row.sid})
SET n.key = row.props.key,
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
