// Credit records concerning any of the subjects. $sids
UNWIND $sids AS sid
MATCH (c:Record)-[:CONCERNS]->(:Subject {sid: sid})
RETURN properties(c) AS props
