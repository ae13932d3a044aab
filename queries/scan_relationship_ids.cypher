// The range of internal ids of the relationships of one type, [lo, hi] (null, null when there
// is none): what scan_relationships.cypher pages through. One pass over the type's lookup
// index, no record read. REL_TYPE as there.
MATCH ()-[r:REL_TYPE]->()
RETURN min(id(r)) AS lo, max(id(r)) AS hi
