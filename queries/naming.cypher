// The records that name any of the persons as responsible. $sids (P:<key>)
UNWIND $sids AS sid
MATCH (:Record)-[r:NAMES]->(p:Subject {sid: sid})
RETURN r {.*, person_name: p.name} AS props
