// A record's current state and its earlier versions. $record_id
MATCH (c:Record {record_id: $record_id})
OPTIONAL MATCH (v:RecordVersion)-[:VERSION_OF]->(c)
RETURN properties(c) AS current, collect(properties(v)) AS versions
