LOAD CSV WITH HEADERS FROM 'file:///persons.csv' AS row
CALL (row) {
  CREATE (:Subject:Person {sid: 'P:' + row.person_id, key: row.person_id, name: row.name,
    source: row.source})
} IN TRANSACTIONS OF 10000 ROWS
