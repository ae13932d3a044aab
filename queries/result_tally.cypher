// Rows of a result a filter takes, counted per group ($by: '' one group, 'province' and
// 'city' the first 2 or 4 digits of the region, 'industry') and grade, with their scores'
// sum and watch-list candidates (the same filter as result_count.cypher).
MATCH (x:ResultRow)
WHERE x.run = $run AND x.region STARTS WITH $region
  AND ($industry = '' OR x.industry = $industry) AND ($grade = '' OR x.grade = $grade)
  AND ($pattern = '' OR x.pattern = $pattern) AND (NOT $watch OR x.watch)
  AND (NOT $active OR x.active)
WITH x, CASE $by
  WHEN 'industry' THEN x.industry
  WHEN 'province' THEN left(x.region, 2)
  WHEN 'city' THEN left(x.region, 4)
  ELSE '' END AS grp
RETURN grp AS group, x.grade AS grade, count(x) AS rows, sum(x.score) AS score_sum,
       sum(CASE WHEN x.watch THEN 1 ELSE 0 END) AS watch
ORDER BY group, grade
