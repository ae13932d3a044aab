// Subjects to profile the hot queries with: a listed entity with an officer, its USCC and a
// prefix of its name. (bench/profile_queries.py)
MATCH (:Record)-[:CONCERNS]->(e:Entity)<-[:ROLE]-(p:Person)
RETURN e.sid AS entity_sid, e.uscc AS uscc, p.sid AS person_sid,
       substring(e.name, 0, 4) AS text
LIMIT 1
