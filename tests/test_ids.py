"""Check characters of real identifiers, on public examples and on generated ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph_service.errors import InvalidIdentifier
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.regions import current_regions, region, region_key, validate_region_code
from graph_service.ids.resident_id import make_resident_id, mask_resident_id, validate_resident_id
from graph_service.ids.uscc import ALPHABET, make_uscc, validate_uscc

# Published examples: the GB 32100-2015 sample code and the GB 11643 sample number.
PUBLIC_USCCS = ["91350100M000100Y43"]
PUBLIC_IDS = ["11010519491231002X"]

COUNTIES = sorted(c for c, r in current_regions().items() if r.level == "county" and c[:2] < "71")
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize("code", PUBLIC_USCCS)
def test_public_uscc_validates(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", PUBLIC_IDS)
def test_public_resident_id_validates(code: str) -> None:
    assert validate_resident_id(code) == code


def test_uscc_wrong_check_character_names_expected_and_actual() -> None:
    with pytest.raises(InvalidIdentifier) as err:
        validate_uscc("91350100M000100Y44")
    assert "expected 3, got 4" in err.value.en
    assert "校验位错误" in err.value.zh


def test_uscc_letters_never_used_are_refused_with_position() -> None:
    with pytest.raises(InvalidIdentifier) as err:
        validate_uscc("91350100M000100O43")
    assert "character 16 'O'" in err.value.en


def test_uscc_unknown_region_is_refused() -> None:
    code = make_uscc("9", "1", "999999", "MA000001")
    with pytest.raises(InvalidIdentifier, match="region"):
        validate_uscc(code)


def test_uscc_lowercase_and_blanks_are_normalised() -> None:
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_resident_id_impossible_birth_date_is_refused() -> None:
    first17 = "11010519490231002"  # 31 February
    with pytest.raises(InvalidIdentifier, match="birth date"):
        validate_resident_id(first17 + "X")


def test_resident_id_wrong_check_digit_names_expected() -> None:
    with pytest.raises(InvalidIdentifier, match="expected X, got 1"):
        validate_resident_id("110105194912310021")


def test_mask_shows_region_and_last_four() -> None:
    assert mask_resident_id("130126198005010115") == "130126********0115"


def test_person_key_is_stable_and_seal_round_trips() -> None:
    ring = PersonKeyring("secret")
    assert ring.key(PUBLIC_IDS[0]) == PersonKeyring("secret").key(PUBLIC_IDS[0])
    assert ring.key(PUBLIC_IDS[0]) != PersonKeyring("other").key(PUBLIC_IDS[0])
    assert ring.unseal(ring.seal(PUBLIC_IDS[0])) == PUBLIC_IDS[0]


def test_person_key_is_the_hmac_sha256_stores_were_keyed_with() -> None:
    # Stores keep persons under this key: a faster computation must give the same one.
    secret_key = hashlib.sha256(b"person-key:secret").digest()
    expected = hmac.digest(secret_key, PUBLIC_IDS[0].encode("ascii"), "sha256").hex()[:32]
    assert PersonKeyring("secret").key(PUBLIC_IDS[0]) == expected


@given(st.lists(st.sampled_from(PUBLIC_IDS), max_size=20))
def test_memoised_keyring_keys_and_seals_as_the_plain_one(numbers: list[str]) -> None:
    plain, memo = PersonKeyring("secret"), PersonKeyring("secret").memoised(size=2)
    assert [memo.key(n) for n in numbers] == [plain.key(n) for n in numbers]
    assert [plain.unseal(s) for s in memo.seal_many(numbers)] == numbers


@given(st.lists(st.lists(st.sampled_from(PUBLIC_IDS), max_size=8), max_size=4))
def test_keys_of_many_numbers_are_their_keys_one_by_one(batches: list[list[str]]) -> None:
    plain, memo = PersonKeyring("secret"), PersonKeyring("secret").memoised(size=3)
    for numbers in batches:  # batches past the memo's size, and numbers seen before
        assert memo.keys(numbers) == plain.keys(numbers) == [plain.key(n) for n in numbers]


def test_region_list_is_complete_national_list() -> None:
    regions = current_regions()
    assert sum(r.level == "province" for r in regions.values()) >= 34
    assert sum(r.level == "county" for r in regions.values()) > 2800
    assert region("130126").name == "灵寿县"
    assert region_key("130126", "province") == "13"


def test_retired_region_code_validates_as_retired() -> None:
    # 130182 藁城市 became 130109 藁城区 in 2014.
    assert region("130182").retired
    assert validate_region_code("130182") == "130182"


usccs = st.builds(
    make_uscc,
    st.just("9"),
    st.sampled_from("123"),
    st.sampled_from(COUNTIES),
    st.text(alphabet=ORG_CHARS, min_size=8, max_size=8),
)
resident_ids = st.builds(
    make_resident_id,
    st.sampled_from(COUNTIES),
    st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(usccs)
def test_every_generated_uscc_validates(code: str) -> None:
    assert validate_uscc(code) == code


@given(usccs, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_every_single_character_change_of_a_uscc_is_caught(code: str, pos: int, c: str) -> None:
    changed = code[:pos] + c + code[pos + 1 :]
    if changed == code:
        return
    with pytest.raises(InvalidIdentifier):
        validate_uscc(changed)


@given(resident_ids)
def test_every_generated_resident_id_validates(code: str) -> None:
    assert validate_resident_id(code) == code


@given(resident_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_every_single_character_change_of_a_resident_id_is_caught(
    code: str, pos: int, c: str
) -> None:
    changed = code[:pos] + c + code[pos + 1 :]
    if changed == code:
        return
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(changed)
