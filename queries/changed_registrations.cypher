// The rows of $rows that write_registrations would create or update: their item is not stored (or
// is stored twice: MERGE sets both), or their content hash equals neither the stored _h nor
// its _src (write_registrations's test). A read: no lock and no write transaction, so a load sends
// write_registrations only these rows, and an unchanged reload writes nothing.
// $rows: [{..identity as for write_registrations.., h: the row's _h}]; returns their indexes:
// `new` (no item: create_registrations makes it) and `changed` (the upsert decides).
UNWIND range(0, size($rows) - 1) AS i
WITH i, $rows[i] AS row
OPTIONAL MATCH (:Entity {uscc: row.uscc})-[r:REGISTERED_IN {start_date: row.start_date}]->(:Region {code: row.region_code})
WITH i, row, collect(r) AS found
WHERE size(found) <> 1 OR found[0]._h IS NULL
   OR NOT (found[0]._h = row.h OR coalesce(found[0]._src = row.h, false))
RETURN collect(CASE WHEN size(found) = 0 THEN i END) AS new,
       collect(CASE WHEN size(found) > 0 THEN i END) AS changed
