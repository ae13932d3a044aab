// Shortest paths between two subjects over ROLE/HOLDS/SUPERVISED_BY in either direction,
// at most 10 relationships long (MAX_PATH_HOPS in stores/base.py: Cypher takes no parameter
// for the bound; the store drops paths longer than the caller's max_hops). Distinct node
// sequences, at most $cap of them: the store picks the smallest in order. $a, $b, $cap
MATCH (a:Subject {sid: $a}), (b:Subject {sid: $b})
MATCH p = allShortestPaths((a)-[:ROLE|HOLDS|SUPERVISED_BY*..10]-(b))
WITH DISTINCT [x IN nodes(p) | x.sid] AS sids
RETURN sids
LIMIT $cap
