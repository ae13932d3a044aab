// Everything a check needs about one subject, in one round trip (the engine's raw material).
// For a person: the records about him, his offices, what he holds (down to 10 levels), the
// records of every entity he held office in or holds, the records naming him, and for all
// those records the persons they name and their subject entities' officers. $sid
MATCH (s:Subject {sid: $sid})
CALL (s) {
  OPTIONAL MATCH (c:Record)-[:CONCERNS]->(s)
  RETURN collect(properties(c)) AS records
}
CALL (s) {
  OPTIONAL MATCH (s)-[r:ROLE]->(e:Entity) WHERE s:Person AND $all
  RETURN collect(r {.*, person_name: s.name, entity_name: e.name}) AS roles,
         collect(DISTINCT e) AS offices
}
CALL (s) {
  OPTIONAL MATCH (s)-[:HOLDS*0..9]->(n) WHERE s:Person AND $all
  WITH DISTINCT n
  OPTIONAL MATCH (n)-[r:HOLDS]->(m:Entity)
  WITH n, r, m WHERE r IS NOT NULL
  RETURN collect(DISTINCT r {.*, holder_name: n.name, entity_name: m.name}) AS down,
         collect(DISTINCT m) AS held
}
CALL (s) {
  OPTIONAL MATCH (c:Record)-[r:NAMES]->(s)
  RETURN collect(r {.*, person_name: s.name}) AS naming, collect(DISTINCT c) AS named_records
}
CALL (offices, held, named_records) {
  UNWIND offices + held AS e
  WITH DISTINCT e
  MATCH (c:Record)-[:CONCERNS]->(e)
  RETURN collect(DISTINCT c) AS entity_records
}
CALL (entity_records, named_records) {
  UNWIND entity_records + named_records AS c
  WITH DISTINCT c
  OPTIONAL MATCH (c)-[r:NAMES]->(p:Person)
  WITH c, r, p
  OPTIONAL MATCH (c)-[:CONCERNS]->(x:Entity)
  RETURN collect(DISTINCT r {.*, person_name: p.name}) AS record_named,
         collect(DISTINCT x) AS subjects
}
CALL (subjects) {
  UNWIND subjects AS x
  MATCH (a:Person)-[r:ROLE]->(x)
  RETURN collect(DISTINCT r {.*, person_name: a.name, entity_name: x.name}) AS entity_roles
}
RETURN properties(s) AS node, records, roles, down, naming,
       [c IN entity_records | properties(c)] AS entity_records,
       [c IN named_records | properties(c)] AS named_records,
       [r IN record_named WHERE r IS NOT NULL] AS record_named, entity_roles
