// The header of the result readers take under a key (the latest complete one).
MATCH (r:Result {key: $key})
WHERE r.complete
RETURN r {.*} AS result
ORDER BY r.computed_at DESC
LIMIT 1
