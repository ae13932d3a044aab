// Offices and holdings in force on $on (start <= $on <= end, an empty end open), for a
// nationwide evaluation pass: both ends' subject ids and what the weight depends on. $on
MATCH (a:Subject)-[r:ROLE|HOLDS]->(e:Entity)
WHERE r.start_date <= $on AND (r.end_date IS NULL OR r.end_date = '' OR r.end_date >= $on)
RETURN a.sid AS a, e.sid AS b, type(r) AS type, r.role AS role, r.percent AS percent
