// Count one write, in the writer's own transaction, last (the node's lock is then held only
// until the commit): a reader's change token changes exactly when what it can see does.
MERGE (v:StoreVersion {id: 'store'})
  ON CREATE SET v.epoch = randomUUID(), v.n = 0
SET v.n = v.n + 1
