// One credit record. $record_id
MATCH (c:Record {record_id: $record_id})
RETURN properties(c) AS props
