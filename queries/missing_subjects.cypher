// Which of these subject ids are missing (a load's reference check: usually none, so the
// answer is one short list, not a row per subject found). $sids: [string]
UNWIND $sids AS sid
OPTIONAL MATCH (n:Subject {sid: sid})
WITH sid WHERE n IS NULL
RETURN collect(sid) AS missing
