// A subject and the records about it, in one round trip (a check that reaches no one else). $sid
MATCH (s:Subject {sid: $sid})
OPTIONAL MATCH (c:Record)-[:CONCERNS]->(s)
RETURN properties(s) AS node, collect(properties(c)) AS records
