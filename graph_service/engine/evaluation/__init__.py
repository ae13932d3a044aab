"""Public credit evaluation, grading, risk-weighted inspection, credit reports and publication
deadlines (guideline 国办发〔2019〕35号 clauses 三, 六, 七, 八, 十五).

* :mod:`.scoring` — :class:`Evaluator`: a score with its parts and a grade for every entity
  (``evaluate_all``), or one entity explained (``evaluate``); watch-list candidates. Its parts:
  :mod:`.record_scores` (own records), :mod:`.neighbourhood_risk` (one entity's
  neighbourhood), :mod:`.relocation_scores` (relocation flags), :mod:`.nationwide` (every
  entity in one pass), :mod:`.explanations` (the reasons).
* :mod:`.propagation` — the neighbourhood part: a truncated personalised PageRank.
* :mod:`.ledger` — :class:`GradeLedger`, the history of grade changes.
* :mod:`.sampling` — 双随机、一公开 draws (:func:`make_draw`) and their verification
  (:func:`verify`).
* :mod:`.report` — the credit report's data (JSON; HTML and PDF: :mod:`graph_service.rendering`).
* :mod:`.deadlines` — publication within 7 working days on the Chinese calendar.

Weights, thresholds and rates: ``graph_service/catalogue/evaluation.yaml`` and
``publication.yaml``.
"""

from graph_service.engine.evaluation.config import GRADES, EvaluationConfig, evaluation_config
from graph_service.engine.evaluation.deadlines import (
    CalendarUnavailable,
    deadlines,
    publication_deadline,
)
from graph_service.engine.evaluation.ledger import GradeLedger, RunSummary
from graph_service.engine.evaluation.models import Evaluation
from graph_service.engine.evaluation.nationwide import TABLE_COLUMNS, grade_counts
from graph_service.engine.evaluation.report import CreditReport, credit_report
from graph_service.engine.evaluation.sampling import (
    DrawError,
    append_draw,
    make_draw,
    read_inspectors,
    verify,
)
from graph_service.engine.evaluation.scoring import Evaluator

__all__ = [
    "GRADES",
    "TABLE_COLUMNS",
    "CalendarUnavailable",
    "CreditReport",
    "DrawError",
    "Evaluation",
    "EvaluationConfig",
    "Evaluator",
    "GradeLedger",
    "RunSummary",
    "append_draw",
    "credit_report",
    "deadlines",
    "evaluation_config",
    "grade_counts",
    "make_draw",
    "publication_deadline",
    "read_inspectors",
    "verify",
]
