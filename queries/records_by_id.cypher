// The records with these ids. $record_ids
UNWIND $record_ids AS rid
MATCH (c:Record {record_id: rid})
RETURN properties(c) AS props
ORDER BY c.record_id
