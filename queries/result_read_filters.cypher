// A result's filter columns (the Parquet bytes result_write_filters.cypher wrote).
MATCH (f:ResultFilters {run: $run})
RETURN f.data AS data
