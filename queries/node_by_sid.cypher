// One Entity or Person by subject id. $sid
MATCH (n:Subject {sid: $sid})
RETURN properties(n) AS props
