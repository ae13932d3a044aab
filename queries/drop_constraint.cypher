// Benchmarks only (bench/bench_schema.py): drop one constraint of the graph schema by name.
DROP CONSTRAINT $name IF EXISTS
