// All records of the given kinds, by id. $kinds
MATCH (c:Record)
WHERE c.kind IN $kinds
RETURN properties(c) AS props
ORDER BY c.record_id
