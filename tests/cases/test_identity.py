"""Identity documents (SPEC §11): every valid number of every type is accepted — resident IDs over
every county code in use today and birth years 1920–2025, whatever year the county got its
code — and every single-character change of a number with a check digit is refused, with a
message naming the field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import stdnum
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from cases import identity
from cases.choices import IdType, PartyKind
from cases.models import Party

TODAY = dt.date(2026, 12, 1)
ALPHABET = "0123456789X"


def _live_county_codes() -> list[str]:
    """County codes in use today, from the national list stdnum ships (cn/loc.dat): an entry
    is live when one of its names has no end year ("[1989-]名" or a plain name)."""
    codes, province = [], ""
    for line in (Path(stdnum.__file__).parent / "cn" / "loc.dat").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.split(maxsplit=1)
        names = re.search(r'county="([^"]*)"', rest).group(1).split(",")
        if any(not n.startswith("[") or re.match(r"\[\d*-\]", n) for n in names):
            codes.append(province + code)
    return codes


LIVE = _live_county_codes()
BORN_AFTER_1970 = [c for c in LIVE if c[2:] != "0000"]


def resident_id(code: str, born: dt.date, seq: int) -> str:
    body = f"{code}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


births = st.dates(dt.date(1920, 1, 1), dt.date(2025, 12, 31))
seqs = st.integers(0, 999)


def accepted(id_type: str, number: str, country: str = "") -> None:
    assert identity.check(id_type, number, country=country, today=TODAY) == number


def test_the_list_of_live_codes_is_the_national_one():
    assert len(LIVE) > 2900 and "110105" in LIVE and "110118" in LIVE  # 密云区, coded 2015
    assert "110103" not in LIVE  # 崇文区, abolished 2010


def test_every_live_county_code_is_accepted():
    """Each of the ~3,000 codes once, with a birth date spread over 1920–2025."""
    for i, code in enumerate(LIVE):
        born = dt.date(1920, 1, 1) + dt.timedelta(days=(i * 13) % 38_000)
        accepted(IdType.RESIDENT_ID, resident_id(code, born, i % 1000))


def test_a_1962_holder_of_a_county_coded_in_1989_is_accepted():
    # 北京市房山区 has had 110111 since 1986: stdnum's birth-place rule refuses this real
    # kind of number, ours does not.
    number = resident_id("110111", dt.date(1962, 4, 9), 31)
    assert not ric.is_valid(number)
    accepted(IdType.RESIDENT_ID, number)
    assert identity.notices(IdType.RESIDENT_ID, number) == []


def test_an_unknown_county_code_is_a_notice_not_a_refusal():
    number = resident_id("119999", dt.date(1956, 3, 17), 7)
    accepted(IdType.RESIDENT_ID, number)
    assert "119999" in identity.notices(IdType.RESIDENT_ID, number)[0]


@settings(max_examples=400)
@given(st.sampled_from(LIVE), births, seqs)
def test_resident_ids_are_accepted(code, born, seq):
    accepted(IdType.RESIDENT_ID, resident_id(code, born, seq))


@settings(max_examples=200)
@given(st.sampled_from(BORN_AFTER_1970), st.dates(dt.date(1920, 1, 1), dt.date(1999, 12, 31)), seqs)
def test_first_generation_ids_are_accepted(code, born, seq):
    accepted(IdType.RESIDENT_ID_15, f"{code}{born:%y%m%d}{seq:03d}")


@settings(max_examples=200)
@given(st.sampled_from(sorted(identity.HMT_PREFIXES)), births, seqs)
def test_hmt_residence_permits_are_accepted(prefix, born, seq):
    accepted(IdType.HMT_RESIDENCE, resident_id(prefix, born, seq))


@settings(max_examples=200)
@given(st.sampled_from(["H", "M"]), st.from_regex(r"\A(\d{8}|\d{10})\Z", fullmatch=True))
def test_hk_macao_permits_are_accepted(letter, digits):
    accepted(IdType.HK_MACAO_PERMIT, letter + digits)


@settings(max_examples=200)
@given(st.from_regex(r"\A\d{8}\Z", fullmatch=True))
def test_taiwan_permits_are_accepted(digits):
    accepted(IdType.TAIWAN_PERMIT, digits)


@settings(max_examples=200)
@given(st.sampled_from(sorted(identity.PROVINCES)), st.integers(0, 999), births, seqs)
def test_new_foreign_permanent_ids_are_accepted(province, nationality, born, seq):
    accepted(IdType.FOREIGN_PERMANENT, resident_id(f"9{province}{nationality:03d}", born, seq))


@settings(max_examples=200)
@given(st.from_regex(r"\A[A-Z]{3}\d{12}\Z", fullmatch=True))
def test_old_foreign_permanent_ids_are_accepted(number):
    accepted(IdType.FOREIGN_PERMANENT, number)


@settings(max_examples=200)
@given(
    st.from_regex(r"\A[A-Z0-9]{5,20}\Z", fullmatch=True),
    st.sampled_from(["CHN", "USA", "KOR", "JPN", "VNM", "RUS", "DEU", "MMR"]),
)
def test_passports_are_accepted(number, country):
    accepted(IdType.PASSPORT, number, country)


def test_none_takes_no_number():
    assert identity.check(IdType.NONE, "") == ""
    with pytest.raises(ValidationError):
        identity.check(IdType.NONE, "110105197005010019")


def _refused_on_the_field(id_type: str, number: str) -> None:
    party = Party(kind=PartyKind.PERSON, role="applicant", name="张三", id_type=id_type,
                  id_number=number)  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        party.full_clean(exclude=["case"])
    assert list(exc.value.message_dict) == ["id_number"]
    assert identity.number_label(id_type) in exc.value.message_dict["id_number"][0]


def _checked_numbers() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        st.tuples(st.just(IdType.RESIDENT_ID), st.builds(resident_id, st.sampled_from(LIVE), births, seqs)),
        st.tuples(st.just(IdType.HMT_RESIDENCE), st.builds(resident_id, st.sampled_from(sorted(identity.HMT_PREFIXES)), births, seqs)),
        st.tuples(st.just(IdType.FOREIGN_PERMANENT), st.builds(lambda p, b, s: resident_id(f"9{p}156", b, s), st.sampled_from(sorted(identity.PROVINCES)), births, seqs)),
    )  # fmt: skip


@settings(max_examples=300)
@given(_checked_numbers(), st.integers(0, 17), st.integers(1, 10))
def test_every_single_character_change_is_refused(typed, position, shift):
    id_type, good = typed
    changed = ALPHABET[(ALPHABET.index(good[position]) + shift) % len(ALPHABET)]
    _refused_on_the_field(id_type, good[:position] + changed + good[position + 1 :])


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.RESIDENT_ID, "991051970050100199"[:18]),  # no such province
        (IdType.RESIDENT_ID, resident_id("110105", dt.date(2027, 1, 1), 1)),  # born in the future
        (IdType.RESIDENT_ID, "11010519700231001X"),  # 31 February
        (IdType.RESIDENT_ID_15, "110105700231001"),
        (IdType.HMT_RESIDENCE, resident_id("110105", dt.date(1970, 5, 1), 1)),
        (IdType.HK_MACAO_PERMIT, "C12345678"),
        (IdType.TAIWAN_PERMIT, "1234567"),
        (IdType.FOREIGN_PERMANENT, resident_id("110105", dt.date(1970, 5, 1), 1)),
        (IdType.PASSPORT, "E12"),
    ],
)
def test_wrong_numbers_are_refused(id_type, number):
    _refused_on_the_field(id_type, number)


def test_a_passport_needs_its_issuing_country():
    party = Party(kind=PartyKind.PERSON, role="applicant", name="John", id_type=IdType.PASSPORT,
                  id_number="E12345678", id_country="XXX")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        party.full_clean(exclude=["case"])
    assert list(exc.value.message_dict) == ["id_country"]
    party.id_country = "usa"
    party.full_clean(exclude=["case"])
    assert party.id_country == "USA"


def test_a_client_without_id_type_is_understood():
    assert identity.infer_type("") == IdType.NONE
    assert identity.infer_type("110105197005010019") == IdType.RESIDENT_ID
    assert identity.infer_type("110105700501001") == IdType.RESIDENT_ID_15
    party = Party(kind=PartyKind.PERSON, role="applicant", name="李四",
                  id_number=" 11010519800612002x ")  # fmt: skip
    party.full_clean(exclude=["case"])
    assert (party.id_type, party.id_number) == (IdType.RESIDENT_ID, "11010519800612002X")


def test_organizations_have_a_checked_credit_code():
    org = Party(kind=PartyKind.ORGANIZATION, role="respondent", name="青山物业有限公司",
                uscc="91330100MA27XXXX1X", legal_representative="王五")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        org.full_clean(exclude=["case"])
    assert list(exc.value.message_dict) == ["uscc"]
    org.uscc = "91110108551385082Q"  # a real, published code
    org.full_clean(exclude=["case"])
    assert org.id_type == IdType.NONE
