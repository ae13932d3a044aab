// Constraints and indexes of stored results (GraphStore.save_result): kept apart from the
// graph's schema (schema.cypher), which the graph schema generates. Run one by one at start.
CREATE CONSTRAINT result_id IF NOT EXISTS FOR (n:Result) REQUIRE n.id IS UNIQUE;
CREATE INDEX result_key IF NOT EXISTS FOR (n:Result) ON (n.key);
CREATE INDEX result_chunk_order IF NOT EXISTS FOR (n:ResultChunk) ON (n.run, n.n);
CREATE INDEX result_filters_run IF NOT EXISTS FOR (n:ResultFilters) ON (n.run)
