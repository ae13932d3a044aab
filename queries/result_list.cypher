// Every result readers take, by kind, date and level.
MATCH (r:Result)
WHERE r.complete
RETURN r {.*} AS result
ORDER BY r.kind, r.on, r.level
