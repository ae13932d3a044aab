// Every result readers take, by kind, date and level (result_current.cypher's rule).
MATCH (r:Result)
WHERE r.complete AND r.chunk IS NOT NULL
RETURN r {.*} AS result
ORDER BY r.kind, r.on, r.level
