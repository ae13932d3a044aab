LOAD CSV WITH HEADERS FROM 'file:///shareholdings.csv' AS row
CALL (row) {
  MATCH (h:Subject {sid: CASE row.holder_type WHEN 'entity' THEN 'E:' ELSE 'P:' END + row.holder_id})
  MATCH (e:Entity {uscc: row.uscc})
  CREATE (h)-[:HOLDS {percent: toFloat(row.percent), start_date: row.start_date,
    end_date: row.end_date, source: row.source}]->(e)
} IN TRANSACTIONS OF 10000 ROWS
