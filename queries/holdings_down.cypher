// What the subjects hold. $sids
UNWIND $sids AS sid
MATCH (:Subject {sid: sid})-[r:HOLDS]->()
WITH DISTINCT r
RETURN r {.*, holder_name: startNode(r).name, entity_name: endNode(r).name} AS props
