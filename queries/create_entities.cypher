// Create Entity items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_entities).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager;
// the columns the schema does not name go in as one map (no Eager on this node).
// $rows: [{..identity.., props, extra}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MERGE (n:Subject:Entity {sid: row.sid})
  ON CREATE SET n.uscc = row.props.uscc,
    n.name = row.props.name,
    n.region_code = row.props.region_code,
    n.org_type = row.props.org_type,
    n.industry = row.props.industry,
    n.registered_on = row.props.registered_on,
    n.deregistered_on = row.props.deregistered_on,
    n.superior_uscc = row.props.superior_uscc,
    n.source = row.props.source,
    n._h = row.props._h,
    n._src = row.props._src,
    n.batch_id = $batch_id,
    n.loaded_at = $loaded_at,
    n.first_batch_id = $batch_id,
    n += row.extra
