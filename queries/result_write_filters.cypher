// A result's filter columns (region, industry, grade, watch, pattern, score, active) for all
// its rows in stored order, as the bytes of a Parquet file: readers filter, count and tally
// in memory (stores/results.py StoredRows).
CREATE (:ResultFilters {run: $run, data: $data})
