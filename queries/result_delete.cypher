// Delete the header of a result whose rows are gone.
MATCH (r:Result {id: $run})
DELETE r
