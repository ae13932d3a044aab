// Make the version node if the database has none (at open; a new epoch, counter 0).
MERGE (v:StoreVersion {id: 'store'})
  ON CREATE SET v.epoch = randomUUID(), v.n = 0
