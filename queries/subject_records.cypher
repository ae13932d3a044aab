// What a check reads about each subject of $sids whose reach is "none" (every entity; a person
// asked only about actions that no record reaches him through): its node and the records
// concerning it — the first two columns of subject_material.cypher, without its seven
// subqueries that such a subject skips row by row (half the server's work of a check).
UNWIND $sids AS sid
MATCH (s:Subject {sid: sid})
RETURN sid, properties(s) AS node,
       COLLECT { MATCH (c:Record)-[:CONCERNS]->(s) RETURN properties(c) } AS records
