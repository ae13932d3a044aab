// Whether the database holds no node but the test suite's marker and the store's version
// node (a bulk import needs an empty database).
OPTIONAL MATCH (n) WHERE NOT n:CreditGraphTestDatabase AND NOT n:StoreVersion
WITH n LIMIT 1
RETURN n IS NULL AS empty
