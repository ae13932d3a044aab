// Where the entities were registered, over all time. $usccs
UNWIND $usccs AS uscc
MATCH (:Entity {uscc: uscc})-[r:REGISTERED_IN]->(g:Region)
RETURN r {.*, region_name: g.name} AS props
