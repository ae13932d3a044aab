// What pages of stored results read, in one round trip for every page asked at once
// (GraphStore.result_view; concurrent pages batched by stores/coalesce.py): the store's change
// token (store_version.cypher), read once for all of them, and for each ask ($asks: {i, key,
// run, numbers}) the header of the result readers take under its key (result_current.cypher's
// rule) and, when that is the run the reader already keeps (run), the chunks of it the page
// needs that the reader has not kept (numbers).
OPTIONAL MATCH (v:StoreVersion {id: 'store'})
WITH v
UNWIND $asks AS a
CALL (a) {
  OPTIONAL MATCH (r:Result {key: a.key})
  WHERE r.complete AND r.chunk IS NOT NULL
  WITH r
  ORDER BY r.computed_at DESC
  RETURN head(collect(r)) AS r
}
CALL (a, r) {
  OPTIONAL MATCH (c:ResultChunk)
  WHERE c.run = a.run AND c.n IN a.numbers AND r.id = a.run
  RETURN collect(c {.n, .rows}) AS chunks
}
RETURN a.i AS i, v.epoch AS epoch, v.n AS n, r {.*} AS result, chunks
