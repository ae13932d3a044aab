// Delete up to $batch rows of a result that readers no longer take; returns how many.
MATCH (x:ResultRow {run: $run})
WITH x LIMIT $batch
DELETE x
RETURN count(*) AS n
