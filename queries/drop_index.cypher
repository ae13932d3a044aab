// Benchmarks only (bench/bench_schema.py): drop one index of the graph schema by name, so
// its creation can be timed again on the same graph.
DROP INDEX $name IF EXISTS
