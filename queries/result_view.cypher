// What a page of a stored result reads, in one round trip (GraphStore.result_view): the
// store's change token (store_version.cypher), the header of the result readers take under
// the key (result_current.cypher's rule) and, when that is the run the reader already keeps
// ($run), the chunks of it the page needs that the reader has not kept ($numbers).
OPTIONAL MATCH (v:StoreVersion {id: 'store'})
WITH v
OPTIONAL MATCH (r:Result {key: $key})
WHERE r.complete AND r.chunk IS NOT NULL
WITH v, r
ORDER BY r.computed_at DESC
WITH v, head(collect(r)) AS r
OPTIONAL MATCH (c:ResultChunk)
WHERE c.run = $run AND c.n IN $numbers AND r.id = $run
RETURN v.epoch AS epoch, v.n AS n, r {.*} AS result, collect(c {.n, .rows}) AS chunks
