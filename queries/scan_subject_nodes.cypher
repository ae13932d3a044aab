// A page of subjects by internal id (Neo4jStore.scan_relationship_tables): each Entity or
// Person node whose id is in [$lo, $hi) (their range: scan_subject_node_ids.cypher) with its
// sid, as two columns (`ids`, `sids`), in id order — the order of the node store on disk. A relationship scan
// that returns its ends' ids (scan_relationships.cypher, $node_ids) reads no end node, and
// the ends' sids come from this one pass over the subjects (docs/decisions.md, "Relationship
// ends by node id"). id() as in scan_relationships.cypher.
UNWIND range($lo, $hi - 1) AS i
MATCH (n:Subject)
WHERE id(n) = i
RETURN collect(i) AS ids, collect(n.sid) AS sids
