LOAD CSV WITH HEADERS FROM 'file:///registrations.csv' AS row
CALL (row) {
  MATCH (e:Entity {uscc: row.uscc})
  MERGE (g:Region {code: row.region_code})
  CREATE (e)-[:REGISTERED_IN {start_date: row.start_date, end_date: row.end_date,
    source: row.source}]->(g)
} IN TRANSACTIONS OF 10000 ROWS
