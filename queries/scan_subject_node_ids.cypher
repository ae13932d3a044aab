// The range of internal ids of the subjects (Entity and Person nodes), [lo, hi] (null, null
// when there is none): what scan_subject_nodes.cypher pages through. One pass over the
// Subject label's lookup index, no record read.
MATCH (n:Subject)
RETURN min(id(n)) AS lo, max(id(n)) AS hi
