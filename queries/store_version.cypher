// The store's change token (GraphStore.change_token): the version node's epoch (a random id
// given when the node was made) and its counter, which every write of the store bumps in
// the same transaction (bump_version.cypher). See docs/decisions.md.
OPTIONAL MATCH (v:StoreVersion {id: 'store'})
RETURN v.epoch AS epoch, v.n AS n
