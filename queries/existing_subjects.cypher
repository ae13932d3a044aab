// Which of these subject ids exist. $sids: [string]
UNWIND $sids AS sid
MATCH (n:Subject {sid: sid})
RETURN n.sid AS sid
