// Wait until every index and constraint is online (after a bulk import the indexes are
// populated in the background; a load is done when its graph can be queried at speed).
CALL db.awaitIndexes($seconds)
