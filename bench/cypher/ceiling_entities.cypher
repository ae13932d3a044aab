LOAD CSV WITH HEADERS FROM 'file:///entities.csv' AS row
CALL (row) {
  CREATE (:Subject:Entity {sid: 'E:' + row.uscc, uscc: row.uscc, name: row.name,
    region_code: row.region_code, org_type: row.org_type, industry: row.industry,
    registered_on: row.registered_on, source: row.source})
} IN TRANSACTIONS OF 10000 ROWS
