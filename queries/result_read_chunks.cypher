// Chunks of a result by number (stores/neo4j_results.py): what a page shows, or a batch of a
// pass over every row.
MATCH (c:ResultChunk)
WHERE c.run = $run AND c.n IN $numbers
RETURN c.n AS n, c.rows AS rows
