// Every entity, for a nationwide evaluation pass (streamed; one query, no per-entity trip).
MATCH (e:Entity)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.industry AS industry,
       e.org_type AS org_type, e.registered_on AS registered_on,
       e.deregistered_on AS deregistered_on
