// A batch of a result's rows: the row's JSON and the fields paging filters on.
UNWIND $rows AS r
CREATE (:ResultRow {run: $run, ordinal: r.ordinal, row: r.row, region: r.region,
                    industry: r.industry, grade: r.grade, watch: r.watch, pattern: r.pattern,
                    score: r.score, active: r.active})
