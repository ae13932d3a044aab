// Entity or Person nodes for an export, a page at a time in sid order (keyset paging over
// the subject_sid constraint's index). $prefix: 'E:' (entities) or 'P:' (persons); $after:
// the last sid of the previous page ('' at first); $limit: page size.
MATCH (n:Subject)
WHERE n.sid STARTS WITH $prefix AND n.sid > $after
RETURN n.sid AS sid, properties(n) AS props
ORDER BY n.sid
LIMIT $limit
