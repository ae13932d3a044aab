// How many rows of a result a filter takes (the same filter as result_page.cypher).
MATCH (x:ResultRow)
WHERE x.run = $run AND x.region STARTS WITH $region
  AND ($industry = '' OR x.industry = $industry) AND ($grade = '' OR x.grade = $grade)
  AND ($pattern = '' OR x.pattern = $pattern) AND (NOT $watch OR x.watch)
  AND (NOT $active OR x.active)
RETURN count(x) AS total
