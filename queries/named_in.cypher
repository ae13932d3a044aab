// The persons the records name as responsible. $record_ids
UNWIND $record_ids AS rid
MATCH (:Record {record_id: rid})-[r:NAMES]->(p:Person)
RETURN r {.*, person_name: p.name} AS props
