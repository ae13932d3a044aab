// Whether the database holds no node but the test suite's marker (a bulk import needs an
// empty database).
OPTIONAL MATCH (n) WHERE NOT "CreditGraphTestDatabase" IN labels(n)
WITH n LIMIT 1
RETURN n IS NULL AS empty
