// Everything attached to a subject over all time, bounded by $limit per kind. $sid, $limit
MATCH (n:Subject {sid: $sid})
CALL (n) {
  MATCH (n)-[r:ROLE]-()
  WITH r LIMIT $limit
  RETURN collect(r {.*, person_name: startNode(r).name,
                                     entity_name: endNode(r).name}) AS roles
}
CALL (n) {
  MATCH (n)-[r:HOLDS]-()
  WITH r LIMIT $limit
  RETURN collect(r {.*, holder_name: startNode(r).name,
                                     entity_name: endNode(r).name}) AS holdings
}
CALL (n) {
  MATCH (n)-[r:REGISTERED_IN]->(g:Region)
  WITH r, g LIMIT $limit
  RETURN collect(r {.*, region_name: g.name}) AS registrations
}
CALL (n) {
  MATCH (c:Record)-[:CONCERNS]->(n)
  WITH c LIMIT $limit
  RETURN collect(properties(c)) AS records
}
RETURN roles, holdings, registrations, records
