// Tests only: empty the database the project's own test server runs, in batches. The store
// refuses unless the database carries the marker node the test suite itself created.
MATCH (n) WHERE NOT n:CreditGraphTestDatabase
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
