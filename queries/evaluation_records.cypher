// Every credit record, for a nationwide evaluation pass (streamed).
MATCH (c:Record)
RETURN properties(c) AS props
