// Entities and persons by subject id (those that exist). $sids: [string]
UNWIND $sids AS sid
MATCH (n:Subject {sid: sid})
RETURN n.sid AS sid, properties(n) AS props
