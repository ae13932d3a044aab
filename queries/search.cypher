// Entities and persons by name fragment or USCC prefix; $text is upper-cased by the caller.
// Returns at most $cap hits (the caller pages them), enough for any person to read.
CALL () {
  MATCH (e:Entity)
  WHERE toUpper(e.name) CONTAINS $text OR e.uscc STARTS WITH $text
  RETURN e AS n LIMIT $cap
  UNION
  MATCH (p:Person)
  WHERE p.name CONTAINS $text
  RETURN p AS n LIMIT $cap
}
RETURN properties(n) AS props
