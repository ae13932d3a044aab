LOAD CSV WITH HEADERS FROM 'file:///roles.csv' AS row
CALL (row) {
  MATCH (p:Person {key: row.person_id})
  MATCH (e:Entity {uscc: row.uscc})
  CREATE (p)-[:ROLE {role: row.role, start_date: row.start_date, end_date: row.end_date,
    source: row.source}]->(e)
} IN TRANSACTIONS OF 10000 ROWS
