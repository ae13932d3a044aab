// Entities and persons by name fragment or USCC prefix; $text is upper-cased by the caller.
// Every hit is counted (total); $offset, $limit pick the page, in the order of stores/base.py
// search_order: entities first, then by name, then by USCC or person key.
CALL () {
  MATCH (e:Entity)
  WHERE toUpper(e.name) CONTAINS $text OR e.uscc STARTS WITH $text
  RETURN e AS n, 'entity' AS type, coalesce(e.name, '') AS name, e.uscc AS id
  UNION ALL
  MATCH (p:Person)
  WHERE p.name CONTAINS $text
  RETURN p AS n, 'person' AS type, coalesce(p.name, '') AS name, p.key AS id
}
WITH n
ORDER BY type, name, id
WITH collect(n) AS hits
RETURN size(hits) AS total, [h IN hits[$offset..($offset + $limit)] | properties(h)] AS page
