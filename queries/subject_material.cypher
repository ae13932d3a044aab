// Everything a check needs about each subject of $subjects, in one round trip for a whole
// batch (the engine's raw material): one row per subject found, with its sid and reach.
// Each subject x is {sid, reach}; reach says what reaches a person that is read besides his
// node and records: "none" nothing (an entity is always "none"), "named" the records naming
// him, "all" also his offices, what he holds (down to 10 levels) and the records of every
// entity he held office in or holds; and for all those records the persons they name and
// their subject entities' officers.
UNWIND $subjects AS x
MATCH (s:Subject {sid: x.sid})
CALL (s) {
  OPTIONAL MATCH (c:Record)-[:CONCERNS]->(s)
  RETURN collect(properties(c)) AS records
}
CALL (s, x) {
  OPTIONAL MATCH (s)-[r:ROLE]->(e:Entity) WHERE x.reach = 'all'
  RETURN collect(r {.*, person_name: s.name, entity_name: e.name}) AS roles,
         collect(DISTINCT e) AS offices
}
CALL (s, x) {
  OPTIONAL MATCH (s)-[:HOLDS*0..9]->(n) WHERE x.reach = 'all'
  WITH DISTINCT n
  OPTIONAL MATCH (n)-[r:HOLDS]->(m:Entity)
  WITH n, r, m WHERE r IS NOT NULL
  RETURN collect(DISTINCT r {.*, holder_name: n.name, entity_name: m.name}) AS down,
         collect(DISTINCT m) AS held
}
CALL (s, x) {
  OPTIONAL MATCH (c:Record)-[r:NAMES]->(s) WHERE x.reach <> 'none'
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
  OPTIONAL MATCH (c)-[:CONCERNS]->(t:Entity)
  RETURN collect(DISTINCT r {.*, person_name: p.name}) AS record_named,
         collect(DISTINCT t) AS subjects
}
CALL (subjects) {
  UNWIND subjects AS t
  MATCH (a:Person)-[r:ROLE]->(t)
  RETURN collect(DISTINCT r {.*, person_name: a.name, entity_name: t.name}) AS entity_roles
}
RETURN x.sid AS sid, x.reach AS reach, properties(s) AS node, records, roles, down, naming,
       [c IN entity_records | properties(c)] AS entity_records,
       [c IN named_records | properties(c)] AS named_records,
       [r IN record_named WHERE r IS NOT NULL] AS record_named, entity_roles
