// Counts per label and relationship type (answered from the count store, O(1) each).
CALL () { MATCH (n:Entity) RETURN 'Entity' AS name, count(n) AS n
  UNION ALL MATCH (n:Person) RETURN 'Person' AS name, count(n) AS n
  UNION ALL MATCH (n:Region) RETURN 'Region' AS name, count(n) AS n
  UNION ALL MATCH (n:Record) RETURN 'Record' AS name, count(n) AS n
  UNION ALL MATCH ()-[r:ROLE]->() RETURN 'ROLE' AS name, count(r) AS n
  UNION ALL MATCH ()-[r:HOLDS]->() RETURN 'HOLDS' AS name, count(r) AS n
  UNION ALL MATCH ()-[r:REGISTERED_IN]->() RETURN 'REGISTERED_IN' AS name, count(r) AS n
  UNION ALL MATCH ()-[r:CONCERNS]->() RETURN 'CONCERNS' AS name, count(r) AS n
  UNION ALL MATCH ()-[r:SUPERVISED_BY]->() RETURN 'SUPERVISED_BY' AS name, count(r) AS n
  UNION ALL MATCH ()-[r:NAMES]->() RETURN 'NAMES' AS name, count(r) AS n }
RETURN name, n
