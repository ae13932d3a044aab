// Constraints and indexes, created idempotently at start (the store runs them one by
// one). Generated from graph_service/schema/graph.yaml by
// `python -m graph_service.schema`: edit the YAML, not this file.
CREATE CONSTRAINT subject_sid IF NOT EXISTS FOR (n:Subject) REQUIRE n.sid IS UNIQUE;
CREATE CONSTRAINT entity_uscc IF NOT EXISTS FOR (n:Entity) REQUIRE n.uscc IS UNIQUE;
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT region_code IF NOT EXISTS FOR (n:Region) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT record_id IF NOT EXISTS FOR (n:Record) REQUIRE n.record_id IS UNIQUE;
CREATE CONSTRAINT load_batch IF NOT EXISTS FOR (n:Load) REQUIRE n.batch_id IS UNIQUE;
CREATE CONSTRAINT store_version IF NOT EXISTS FOR (n:StoreVersion) REQUIRE n.id IS UNIQUE;
CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name);
CREATE INDEX entity_region IF NOT EXISTS FOR (n:Entity) ON (n.region_code);
CREATE INDEX entity_batch IF NOT EXISTS FOR (n:Entity) ON (n.batch_id);
CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name);
CREATE INDEX record_kind_date IF NOT EXISTS FOR (n:Record) ON (n.kind, n.decided_on);
CREATE INDEX role_dates IF NOT EXISTS FOR ()-[r:ROLE]-() ON (r.start_date, r.end_date);
CREATE INDEX holds_dates IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.start_date, r.end_date);
CREATE INDEX registered_dates IF NOT EXISTS FOR ()-[r:REGISTERED_IN]-() ON (r.start_date, r.end_date);
