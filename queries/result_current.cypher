// The header of the result readers take under a key (the latest complete one). A result
// without `chunk` was kept by an earlier version as :ResultRow nodes, which nothing reads.
MATCH (r:Result {key: $key})
WHERE r.complete AND r.chunk IS NOT NULL
RETURN r {.*} AS result
ORDER BY r.computed_at DESC
LIMIT 1
