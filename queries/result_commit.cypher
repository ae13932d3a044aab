// Make a saved result the one readers take, in one transaction: it becomes complete, every
// other result under its key (an earlier one, or one whose save was cut short) stops being
// taken; their ids are returned for their rows to be deleted.
MATCH (r:Result {id: $run})
SET r.complete = true, r.rows = $rows, r.computed_at = $computed_at
WITH r
OPTIONAL MATCH (old:Result {key: r.key}) WHERE old.id <> r.id
SET old.complete = false
RETURN [x IN collect(old.id) WHERE x IS NOT NULL] AS old
