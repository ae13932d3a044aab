// Tests only: is this the suite's own database? Marks an empty database as such.
// Returns marked = true when the marker exists (now or before), false when the database
// holds data and no marker (somebody else's data: never wipe it).
OPTIONAL MATCH (m:CreditGraphTestDatabase)
WITH m
OPTIONAL MATCH (other) WHERE NOT other:CreditGraphTestDatabase AND NOT other:StoreVersion
WITH m, count(other) AS others
FOREACH (_ IN CASE WHEN m IS NULL AND others = 0 THEN [1] ELSE [] END |
  CREATE (:CreditGraphTestDatabase {created_by: 'credit-graph tests'}))
RETURN m IS NOT NULL OR others = 0 AS marked
