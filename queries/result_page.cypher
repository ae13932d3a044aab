// Rows of a result a filter takes, in stored order, after ordinal $after (a scan) and from
// $offset, at most $limit (the same filter as result_count.cypher). The index hint and the
// order by both of its properties let the index give the order: a page reads offset + limit
// rows, not the whole result.
MATCH (x:ResultRow)
USING INDEX x:ResultRow(run, ordinal)
WHERE x.run = $run AND x.ordinal > $after AND x.region STARTS WITH $region
  AND ($industry = '' OR x.industry = $industry) AND ($grade = '' OR x.grade = $grade)
  AND ($pattern = '' OR x.pattern = $pattern) AND (NOT $watch OR x.watch)
  AND (NOT $active OR x.active)
RETURN x.ordinal AS ordinal, x.row AS row
ORDER BY x.run, x.ordinal
SKIP $offset
LIMIT $limit
