LOAD CSV WITH HEADERS FROM 'file:///records.csv' AS row
CALL (row) {
  MATCH (s:Subject {sid: CASE row.subject_type WHEN 'entity' THEN 'E:' ELSE 'P:' END + row.subject_id})
  CREATE (c:Record {record_id: row.record_id, kind: row.kind, authority: row.authority,
    region_code: row.region_code, decided_on: row.decided_on, basis: row.basis,
    sector: row.sector, effective_from: row.effective_from, effective_to: row.effective_to,
    status: row.status, status_on: row.status_on, source: row.source})-[:CONCERNS]->(s)
} IN TRANSACTIONS OF 10000 ROWS
