// Region nodes named by registrations. $regions: [{code, name, level, retired}]
UNWIND $regions AS g
MERGE (r:Region {code: g.code})
ON CREATE SET r.name = g.name, r.level = g.level, r.retired = g.retired
