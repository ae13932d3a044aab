// The sids of the subjects with internal ids $ids, as [id, sid] (Neo4jStore.
// scan_relationship_tables: ends a relationship scan met that its pass over the subjects did
// not, created in between).
UNWIND $ids AS i
MATCH (n:Subject)
WHERE id(n) = i
RETURN collect([i, n.sid]) AS rows
