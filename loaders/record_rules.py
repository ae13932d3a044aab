"""Checks on a whole credit record row that the law sets, beyond its single cells.

* a minor cannot be listed where the kind says so (失信被执行人: 法释〔2017〕7号 第四条);
* a kind that needs a term has one (政府采购 不良行为记录: 1–3 years, 政府采购法 第七十七条);
* a market ban has an end, or its sector has a default term in the catalogue (食品安全法 第一百
  三十五条: 5 years), or is written ``9999-12-31`` for life.

Each problem is ``(column, zh, en)``; the catalogue in force decides which kinds they bind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from graph_service.engine.measures import catalogue
from graph_service.engine.timeline import add_years, record_start


def record_problems(row: Mapping[str, Any], person_id: str | None) -> list[tuple[str, str, str]]:
    """What is wrong with a validated record row as a whole (empty: nothing)."""
    kind = catalogue().kind(str(row["kind"]))
    out: list[tuple[str, str, str]] = []
    if kind.subject_not_minor and row["subject_type"] == "person" and person_id:
        born = dt.date(int(person_id[6:10]), int(person_id[10:12]), int(person_id[12:14]))
        if add_years(born.isoformat(), 18) > str(row["decided_on"]):
            out.append(
                (
                    "subject_id",
                    f"决定日期{row['decided_on']}时被执行人未满十八周岁，不得纳入失信被执行人名单"
                    "（法释〔2017〕7号 第四条）",
                    f"the subject was under 18 on {row['decided_on']}: a minor is not listed as a "
                    "dishonest judgment debtor (法释〔2017〕7号 art. 4)",
                )
            )
    end = row.get("effective_to")
    if not end and (kind.require_term or (kind.term_by_sector and not kind.default_term(row))):
        sector = row.get("sector")
        what_zh = f"行业{sector}没有默认期限，" if kind.term_by_sector else ""
        what_en = f" (sector {sector} has no default term)" if kind.term_by_sector else ""
        out.append(
            (
                "effective_to",
                f"{what_zh}此类记录必须填写effective_to（最后一日；终身禁入写9999-12-31）",
                f"a {row['kind']} record needs effective_to{what_en}: its last day; a life "
                "ban is 9999-12-31",
            )
        )
    if end and kind.max_term_years:
        longest = add_years(record_start(row), kind.max_term_years)
        if str(end) > longest:
            out.append(
                (
                    "effective_to",
                    f"期限不得超过{kind.max_term_years}年（最后一日最迟{longest}）",
                    f"the term may not exceed {kind.max_term_years} years (last day {longest} "
                    "at the latest)",
                )
            )
    return out
