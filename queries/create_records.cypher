// Create Record items for rows the load found missing (the store checks one was
// created per row, else rolls back and sends the batch to write_records).
// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:
// edit the YAML, not this file. Each property is named, so the plan has no Eager.
// $rows: [{..identity.., props}], $batch_id, $loaded_at
UNWIND $rows AS row
WITH row {.*} AS row  // a map: its fields are no property another row's SET changes
MATCH (e0:Subject {sid: row.subject_sid})
MERGE (n:Record {record_id: row.record_id})
  ON CREATE SET n.record_id = row.props.record_id,
    n.kind = row.props.kind,
    n.status = row.props.status,
    n.status_on = row.props.status_on,
    n.decided_on = row.props.decided_on,
    n.authority = row.props.authority,
    n.basis = row.props.basis,
    n.region_code = row.props.region_code,
    n.sector = row.props.sector,
    n.effective_from = row.props.effective_from,
    n.effective_to = row.props.effective_to,
    n.subject_type = row.props.subject_type,
    n.subject_key = row.props.subject_key,
    n.offence_on = row.props.offence_on,
    n.published_on = row.props.published_on,
    n.ground = row.props.ground,
    n.able_but_refuses = row.props.able_but_refuses,
    n.penalty_type = row.props.penalty_type,
    n.amount_yuan = row.props.amount_yuan,
    n.case_no = row.props.case_no,
    n.events = row.props.events,
    n.source = row.props.source,
    n._h = row.props._h,
    n._src = row.props._src,
    n.batch_id = $batch_id,
    n.loaded_at = $loaded_at,
    n.first_batch_id = $batch_id
CREATE (n)-[:CONCERNS]->(e0)
