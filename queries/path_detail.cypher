// The nodes of a path, in order, each with the ROLE/HOLDS/SUPERVISED_BY relationships to the
// next node (either direction). $sids: subject ids in path order.
UNWIND range(0, size($sids) - 1) AS i
MATCH (x:Subject {sid: $sids[i]})
OPTIONAL MATCH (x)-[r:ROLE|HOLDS|SUPERVISED_BY]-(y:Subject {sid: $sids[i + 1]})
WITH i, x, collect(r) AS rs
RETURN i, labels(x) AS labels, properties(x) AS props,
       [r IN rs | {type: type(r), from: startNode(r).sid, to: endNode(r).sid,
                   props: properties(r)}] AS rels
ORDER BY i
