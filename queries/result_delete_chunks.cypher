// Delete up to $batch chunks of a result that readers no longer take; returns how many.
MATCH (c:ResultChunk {run: $run})
WITH c LIMIT $batch
DELETE c
RETURN count(*) AS n
