// ROLE relationships touching any of the subjects (a person's offices or an entity's
// officers). Each endpoint is matched through its index; DISTINCT drops a relationship
// reached from both ends. $sids
UNWIND $sids AS sid
MATCH (:Subject {sid: sid})-[r:ROLE]-()
WITH DISTINCT r
RETURN r {.*, person_name: startNode(r).name, entity_name: endNode(r).name} AS props
