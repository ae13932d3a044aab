// Who holds the subjects. $sids
UNWIND $sids AS sid
MATCH ()-[r:HOLDS]->(:Subject {sid: sid})
WITH DISTINCT r
RETURN r {.*, holder_name: startNode(r).name, entity_name: endNode(r).name} AS props
