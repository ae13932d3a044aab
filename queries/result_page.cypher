// Rows of a result a filter takes, in stored order, after ordinal $after (a scan) and from
// $offset, at most $limit (the same filter as result_count.cypher).
MATCH (x:ResultRow)
WHERE x.run = $run AND x.ordinal > $after AND x.region STARTS WITH $region
  AND ($industry = '' OR x.industry = $industry) AND ($grade = '' OR x.grade = $grade)
  AND ($pattern = '' OR x.pattern = $pattern) AND (NOT $watch OR x.watch)
  AND (NOT $active OR x.active)
RETURN x.ordinal AS ordinal, x.row AS row
ORDER BY x.ordinal
SKIP $offset
LIMIT $limit
