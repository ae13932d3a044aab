"""``docs/legal.md`` written from the catalogue in force: each measure id, what it does and
what it rests on, and what the catalogue leaves to people. ``python -m graph_service measures
--markdown`` prints it; a test keeps the committed page equal to the shipped catalogue."""

from __future__ import annotations

from graph_service.engine.measures import Catalogue, ListKind, Measure

_TYPES = {"prohibition": "prohibition 禁止", "consideration": "consideration 考量"}

_HEAD = """# The law the checks follow — measure by measure

This page is the catalogue in force (`graph_service/catalogue/measures.yaml`, edition 2 of
`shared/RULES.md`) read as a lawyer would: for each record kind, when it starts and ends, whom it
reaches, and each measure's id, what it does and what it rests on. `python -m graph_service
measures` and `GET /v1/measures` print the same from the file in force (a deployment's
override in `GRAPH_CATALOGUE_DIR` included); `python -m graph_service measures --markdown`
writes this page, and a test keeps it equal to the shipped file.

Citations: an article number is shown only where it was read from a public copy of the text
(`verified`); otherwise the instrument alone, or the article marked **（条款待核 / article to
verify）**. The sources read and what differed from `shared/policy/LEGAL-BASES.md` are listed at
the end.

## How an answer is made

- **prohibition** (a right taken away) → `allowed: false`; **consideration** (a management
  measure: weighed, 重点监管, 不适用告知承诺) → still allowed; **advisory** → a fact the law needs
  is not in the data: the officer refers it to the deciding authority.
- **Time** (one module, `graph_service/engine/timeline.py`): a record starts on `effective_from`,
  else its kind's start field; its last day is `effective_to` (inclusive) or the default term
  counted by 民法典 第二百零一、二百零二条 (N years from d end on the same month and day, or that
  month's last day). The holiday rule of 第二百零三条 is not applied: it extends deadlines to act,
  not sanctions. `disputed` still applies (法释〔2017〕7号 第十二条: 复议期间不停止原决定的执行);
  `repaired`/`removed` apply up to the day before; `revoked` never applied and earlier answers
  from it are marked wrong in `review`.
- **Who is reached** (`graph_service/engine/reach.py`): named persons (`record_persons.csv`, a
  court's `add_person`) first; for each capacity the record names no one in, the holders on
  `offence_on`, else on `decided_on`. Leaving the post frees no one; `release_person` does. A
  holder who took office between offence and decision, an inferred controller, and (for
  licence revocations) a legal representative no record names are **advisories**.
- **Measures that outlive the list** (`lasts: until_lifted`): the consumption restriction of a
  judgment debtor ends only when the court lifts it (`lift_consumption`, or `remove` with outcome
  `performed`: 法释〔2015〕17号 第九条), not when the listing's term ends.
- **Court leave** (`permit` event: 法释〔2015〕17号 第八条, 法发〔2019〕35号 第17条): one person,
  one action, from `on` through `effective_to`.

## The kinds and their measures
"""

_TAIL = """## What the catalogue leaves to people

- **Personal responsibility** (公司法 2023 第一百七十八条第一款第(四)项 "负有个人责任"): only the
  deciding authority can say who bears it. The catalogue prohibits for persons a record names;
  the registry's legal representative at the time is an advisory.
- **A debt "of a large amount"** before 2024-07-01 (公司法 2018 第一百四十六条第一款第(五)项 bars
  anyone with a large overdue debt, listed or not): the size is a question of fact, so a
  judgment debtor asked about company office before that day gets an advisory.
- **Court leave** for private spending from personal funds (法释〔2015〕17号 第三条第二款) or for
  medical care, funerals and the like (法发〔2019〕35号 第17条): the court decides; the service
  applies its `permit` event for the dates the court gives (no length is assumed).
- **Who is the actual controller** where none is declared: the chain of holdings is evidence, not
  a finding; the service advises, the authority decides (a deployment may set
  `reach.inferred: prohibit` on a measure).
- **Lists of other departments** (`joint_punishment_list`): every list and measure needs its own
  legal basis (国办发〔2020〕49号 (六)); the default catalogue prohibits nothing and weighs the
  record. A deployment adds the measures its memorandum gives; a travel ban there is refused at
  start-up unless it carries `when: {able_but_refuses: true}` (only subjects able to perform but
  refusing; the wording usually cited for this is 国发〔2016〕33号 (十一) — see below).
- **Whether a removal of a fixed-term listing was lawful** (法释〔2017〕7号 第十条第二款): the
  service applies the authority's feed as given.

## Sources and verification

Read from public copies through the project's search tool (third-party copies, not the official
gazette), 2026-12-02:

- verified: 法释〔2017〕7号 第一、二、四、六、十、十二条; 法释〔2015〕17号 第一条,
  第三条 (一)–(九) and 第二款, 第八、九条; 法发〔2019〕35号 第17条第(2)项 (change of legal
  representative); 中办发〔2016〕64号 二(七); 国办发〔2020〕49号 (六); 公司法 2023 第一百七十八条,
  2018 第一百四十六条 (四)(五); 政府采购法 第二十二条第一款第(五)项, 第七十七条; 实施条例
  第十九条; 财库〔2022〕3号 (200万元, in force 2022-02-08); 民法典 第二百零一至二百零四条;
  食品安全法 第一百三十五条; 安全生产法 第九十四条.
- content read, number not: 法释〔2017〕7号 第五、九条; 法发〔2019〕35号 第17条第(3)项;
  财库〔2016〕125号; 法〔2016〕285号; 总局令第44号 early removal; 税务总局令第54号 three-year
  period and early stop.
- not verified (cited without article, or marked): 中办发〔2016〕64号 二(一)(二)(三)(五) (headings
  seen only in local copies); 总局令第44号 articles on measures and on removal after 3 years;
  税务总局令第54号 articles and the persons it publishes; 国办发〔2020〕49号 (十一) (the
  "有履行能力但拒不履行 … 乘坐飞机、高等级列车" wording found is 国发〔2016〕33号 (十一)).
- differs from LEGAL-BASES.md: 49号 (六) is about setting up lists (that every list rests on law
  or central policy), not about measures; 54号令's early stop needs, per a secondary source, at
  least 6 months' publication and no repeat, not only payment; 44号令's early removal after 1
  year also needs the statutory management measures to have run out; 法〔2016〕285号 works
  through tender documents for projects that must be tendered; 64号 on bonds is stricter review
  and a limit on public corporate bonds rather than a flat ban; no "one month" cap on a temporary
  lift was found in 法发〔2019〕35号. The default catalogue cites these instruments without
  article numbers and applies them as RULES.md states; the differences are open questions for
  the policy owner.
"""


def _term(k: ListKind) -> str:
    term = f"{k.term_years} years" if k.term_years else "no default term"
    if k.open_when:
        term += " (open when "
        term += ", ".join(f"{c} = {'/'.join(v)}" for c, v in k.open_when.items()) + ")"
    if k.term_by_sector:
        term += "; by sector: " + ", ".join(f"{s} {y} years" for s, y in k.term_by_sector.items())
    if k.require_term:
        term += "; `effective_to` required"
    if k.max_term_years:
        term += f" (at most {k.max_term_years} years)"
    return term


def _row(m: Measure) -> str:
    if m.to == "subject":
        reach = "subject"
    else:
        ways = ", ".join(f"{a}: {b}" for a, b in m.reach.items() if b != "none")
        reach = f"persons ({ways})"
    if m.subject_types != ("entity", "person"):
        reach += f" — {'/'.join(m.subject_types)} subjects only"
    notes = []
    if m.in_force_from:
        before = f"from {m.in_force_from}; before: {m.before}"
        if m.basis_before:
            before += f" ({'；'.join(c.text() for c in m.basis_before)})"
        notes.append(before)
    if m.lasts == "until_lifted":
        notes.append("until lifted by the court")
    if m.when:
        notes.append("only when " + ", ".join(f"{a} = {b}" for a, b in m.when.items()))
    return (
        f"| `{m.id}` {m.zh} / {m.en} | {_TYPES[m.type]} | {reach} | {', '.join(m.actions)} "
        f"| {'; '.join(notes)} | {m.basis_text()} |"
    )


def _kind(k: ListKind) -> list[str]:
    caps = ", ".join(k.capacities) or "none by role"
    if k.capacities_by_sector:
        caps += "; by sector: "
        caps += "; ".join(f"{s}: {', '.join(c)}" for s, c in k.capacities_by_sector.items())
    out = [f"### `{k.code}`\n", f"- starts on `{k.start}`; {_term(k)}"]
    if k.lifted_by:
        out.append(f"- lifted by: {', '.join(k.lifted_by)}")
    out.append(f"- capacities reached: {caps}")
    if k.subject_not_minor:
        out.append("- a minor is never the subject (row rejected: 法释〔2017〕7号 第四条)")
    out.append(f"- triggers relocation flags: {'yes' if k.triggers_relocation else 'no'}")
    out += [
        "",
        "| measure | type | reaches | actions | law's dates | basis |",
        "|---|---|---|---|---|---|",
    ]
    out += [_row(m) for m in k.measures]
    return [*out, ""]


def render(cat: Catalogue) -> str:
    """The page, from ``cat``."""
    lines = [_HEAD]
    for k in cat.kinds.values():
        lines += _kind(k)
    lines.append("## Derived rule\n")
    for d in cat.derived:
        lines.append(f"### `{d.id}` — {d.zh} / {d.en}\n")
        lines.append(
            f"- {d.type} on {', '.join(d.actions)} for {d.window_years} years from the decision "
            "(both ends inclusive), listed or not, repaired or not; only a revocation takes the "
            "record away."
        )
        for r in d.records:
            what = f"`{r.kind}`"
            if r.penalty_types:
                what += f" with penalty_type {'/'.join(r.penalty_types)}"
            if r.min_amount_yuan:
                what += f" and amount_yuan ≥ {r.min_amount_yuan:,.0f}"
            lines.append(f"- a major illegal record (重大违法记录): {what}")
        lines.append(
            f"- the 2,000,000-yuan line applies to questions from {d.amount_in_force_from}; "
            "before, and for a fine of unknown amount, the fine is an **advisory** (the line then "
            "was the sector's or region's own). A sector's own higher line "
            "(`sector_amount_lines`) prevails."
        )
        lines.append(f"- basis: {d.basis_text()}\n")
    aliases = ", ".join(f"`{a}` = `{b}`" for a, b in cat.aliases.items())
    lines.append(
        f"## Edition-1 action names\n\n{aliases}. A measure on `honours`\nalso answers for "
        "`honours:market_regulation`; one on `serve_as_officer:company` also for\n"
        "`serve_as_officer:soe` and `serve_as_officer:financial` (state-owned and financial "
        "companies are\ncompanies).\n"
    )
    lines.append(_TAIL)
    return "\n".join(lines)
