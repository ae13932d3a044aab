// One page of one list of a subject's relations (GraphStore.relations_page), over all time,
// with the true total. $sid, $relation ('roles', 'holdings', 'registrations' or 'records'),
// $offset, $limit. Ordered as stores/base.py sort_relations orders them.
MATCH (n:Subject {sid: $sid})
CALL (n) {
  MATCH (n)-[r:ROLE]-()
  WHERE $relation = 'roles'
  RETURN r {.*, person_name: startNode(r).name, entity_name: endNode(r).name} AS item
  UNION ALL
  MATCH (n)-[r:HOLDS]-()
  WHERE $relation = 'holdings'
  RETURN r {.*, holder_name: startNode(r).name, entity_name: endNode(r).name} AS item
  UNION ALL
  MATCH (n)-[r:REGISTERED_IN]->(g:Region)
  WHERE $relation = 'registrations'
  RETURN r {.*, region_name: g.name} AS item
  UNION ALL
  MATCH (c:Record)-[:CONCERNS]->(n)
  WHERE $relation = 'records'
  RETURN properties(c) AS item
}
WITH item
ORDER BY coalesce(item.start_date, ''), coalesce(item.decided_on, ''), coalesce(item.uscc, ''),
         coalesce(item.person_key, ''), coalesce(item.holder_key, ''), coalesce(item.role, ''),
         coalesce(item.record_id, ''), coalesce(item.region_code, '')
WITH collect(item) AS items
RETURN size(items) AS total, items[$offset..($offset + $limit)] AS items
