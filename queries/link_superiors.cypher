// Draw SUPERVISED_BY from entities changed in this load to their superior unit; drop a
// stale edge when the superior changed or was removed. $batch_id
MATCH (e:Entity {batch_id: $batch_id})
OPTIONAL MATCH (e)-[old:SUPERVISED_BY]->(s0)
WHERE e.superior_uscc IS NULL OR s0.uscc <> e.superior_uscc
DELETE old
WITH DISTINCT e
WHERE e.superior_uscc IS NOT NULL
MATCH (s:Entity {uscc: e.superior_uscc})
MERGE (e)-[:SUPERVISED_BY]->(s)
