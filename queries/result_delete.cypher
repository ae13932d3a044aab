// Delete the header and the filter columns of a result whose chunks are gone.
MATCH (r:Result {id: $run})
OPTIONAL MATCH (f:ResultFilters {run: $run})
DELETE r, f
