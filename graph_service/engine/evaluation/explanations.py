"""The reasons an evaluation gives for its grade, in Chinese and English (see :mod:`.scoring`)."""

from __future__ import annotations

from graph_service.catalogue import label_en, label_zh
from graph_service.engine.evaluation.config import Grade
from graph_service.engine.evaluation.models import Contribution, FlagScore, Part, RecordScore


def reasons(
    scored: list[RecordScore],
    parts: list[Part],
    contributors: list[Contribution],
    flags: list[FlagScore],
    score: float,
    by_score: Grade,
    grade: Grade,
    capped_by: list[str],
) -> tuple[list[str], list[str]]:
    """The reasons for a grade, in Chinese and English: each counted record, the risk of
    related subjects, each flag, the score's grade and the records that cap it."""
    zh: list[str] = []
    en: list[str] = []
    for r in sorted(scored, key=lambda r: (-r.points, r.record_id)):
        if r.counted:
            zh.append(f"{label_zh('kind', r.kind)} {r.record_id}（{r.decided_on}）：−{r.points}")
            en.append(f"{label_en('kind', r.kind)} {r.record_id} ({r.decided_on}): −{r.points}")
    net = next(p for p in parts if p.name == "network")
    if net.points > 0:
        zh.append(f"关联主体风险（{len(contributors)}个主体）：−{net.points}")
        en.append(f"risk of related subjects ({len(contributors)}): −{net.points}")
    for f in flags:
        zh.append(f"易地出现标记：{f.why_zh}：−{f.points}")
        en.append(f"relocation flag: {f.why_en}: −{f.points}")
    zh.append(f"得分{score:g}，对应等级{by_score}")
    en.append(f"score {score:g} gives grade {by_score}")
    if capped_by:
        zh.append(f"记录{'、'.join(capped_by)}适用期间等级至多为{grade}")
        en.append(f"while record(s) {', '.join(capped_by)} apply the grade is at best {grade}")
    return zh, en
