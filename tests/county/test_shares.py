"""Director-set shares between a line's mediators (SPEC §15: "several mediators share equally
unless the director sets shares"), on the claim page and over the API: amounts to the cent that
add up to the line, a Chinese message when the shares do not add up, JSON errors, the director
only, while the claim is a draft; outsider 404, wrong role 403."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from county.models import Claim, ClaimEvent, LineShare
from tests.api import api
from tests.county.conftest import at
from tests.county.test_pages import no_inline

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/subsidies/claims/"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def claim(quarter, director):
    from workflows import services as s

    with at(10, 5):
        return s.claim_draft(
            actor=director, organization=quarter["first"].organization, period="2026-Q3"
        )


def shares_of(line) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        sh.mediator.username: (sh.share, sh.amount)
        for sh in LineShare.objects.filter(line=line).select_related("mediator")
    }


def test_shares_on_the_claim_page(claim, quarter, director, clerk, township, supervisor,
                                  outsider, mediator, mediator2):  # fmt: skip
    line = claim.lines.get(case=quarter["big"])
    assert shares_of(line) == {"mediator": (Decimal("0.5000"), Decimal("166.67")),
                               "mediator2": (Decimal("0.5000"), Decimal("166.66"))}  # fmt: skip
    url = f"/county/claims/{claim.pk}/"
    page = client(director).get(url).content.decode()
    no_inline(page)
    action = f"/county/claims/{claim.pk}/lines/{line.pk}/shares/"
    assert f'action="{action}"' in page and f'name="share-{mediator2.pk}"' in page
    # a line with one mediator has nothing to share; other people see no form
    single = claim.lines.get(case=quarter["first"])
    assert f"/lines/{single.pk}/shares/" not in page
    assert action not in client(supervisor).get(url).content.decode()
    # shares that do not add up: the page says why in Chinese, nothing changes
    bad = client(director).post(
        action, {f"share-{mediator.pk}": "60", f"share-{mediator2.pk}": "30"}, follow=True
    )
    assert "比例合计须为1（或100%）" in bad.content.decode()
    missing = client(director).post(action, {f"share-{mediator.pk}": "100"}, follow=True)
    assert "须为本案每一位承办调解员设定比例" in missing.content.decode()
    words = client(director).post(
        action, {f"share-{mediator.pk}": "七十", f"share-{mediator2.pk}": "30"}, follow=True
    )
    assert "比例须为数字" in words.content.decode()
    assert shares_of(line)["mediator"][0] == Decimal("0.5000")
    # the wrong role 403, outside the scope 404
    good = {f"share-{mediator.pk}": "70", f"share-{mediator2.pk}": "30", "reason": "主办"}
    assert client(clerk).post(action, good).status_code == 403
    assert client(township).post(action, good).status_code == 403
    assert client(supervisor).post(action, good).status_code == 403
    assert client(outsider).post(action, good).status_code == 404
    other = f"/county/claims/{claim.pk}/lines/999999/shares/"
    assert client(director).post(other, good).status_code == 404
    assert client(director).get(action).status_code == 405
    with at(10, 6):
        done = client(director).post(action, good, follow=True)
    assert "已设定案件" in done.content.decode()
    got = shares_of(line)
    assert got["mediator"] == (Decimal("0.7000"), Decimal("233.34"))
    assert got["mediator2"] == (Decimal("0.3000"), Decimal("99.99"))
    assert sum(a for _s, a in got.values()) == line.amount == Decimal("333.33")
    line.refresh_from_db()
    assert "shares_set" in line.flags
    event = ClaimEvent.objects.filter(claim=claim, name="shares").get()
    assert (event.actor, event.reason) == (director, "主办")
    assert event.changes["shares"] == {str(mediator.pk): "0.7000", str(mediator2.pk): "0.3000"}
    claim.refresh_from_db()
    assert claim.total == Decimal("463.33")  # the line's amount is unchanged
    page = client(director).get(url).content.decode()
    assert "主任已设定分配比例" in page and 'value="70"' in page
    # submitted: no form any more, and the service refuses
    with at(10, 7):
        client(director).post(f"{url}steps/submit/", {})
    assert Claim.objects.get(pk=claim.pk).status == "submitted"
    assert action not in client(director).get(url).content.decode()
    late = client(director).post(action, good, follow=True)
    assert "只有草稿状态的申报可以设定分配比例" in late.content.decode()


def test_shares_over_the_api(claim, quarter, director, clerk, township, supervisor, outsider,
                             mediator, mediator2):  # fmt: skip
    line = claim.lines.get(case=quarter["big"])
    url = f"{CLAIMS}{claim.pk}/lines/{line.pk}/shares/"
    body = {"shares": [{"mediator": mediator.pk, "share": "0.6"},
                       {"mediator": mediator2.pk, "share": "0.4"}], "reason": "主办"}  # fmt: skip
    assert api(outsider).post(url, body, format="json").status_code == 404
    for wrong in (clerk, township, supervisor, mediator):
        refused = api(wrong).post(url, body, format="json")
        assert refused.status_code == 403, wrong
        assert refused.json()["error"]["code"] == "permission_denied"
    assert api(director).post(f"{CLAIMS}{claim.pk}/lines/999999/shares/", body,
                              format="json").status_code == 404  # fmt: skip
    # bad bodies: JSON errors, nothing changes
    uneven = body | {"shares": [{"mediator": mediator.pk, "share": "0.6"},
                                {"mediator": mediator2.pk, "share": "0.3"}]}  # fmt: skip
    answer = api(director).post(url, uneven, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "比例合计须为1（或100%）"
    assert answer.json()["error"]["fields"] == {"shares": ["合计须为1"]}
    one = api(director).post(url, {"shares": [{"mediator": mediator.pk, "share": 1}]},
                             format="json")  # fmt: skip
    assert one.status_code == 400 and "每一位承办调解员" in one.json()["error"]["message"]
    twice = api(director).post(url, {"shares": [{"mediator": mediator.pk, "share": 50}] * 2},
                               format="json")  # fmt: skip
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "invalid"
    assert "同一调解员只能设定一次比例" in str(twice.json()["error"]["fields"])
    for nonsense in ({}, {"shares": []}, {"shares": "all"},
                     {"shares": [{"mediator": mediator.pk, "share": "x"}]},
                     {"shares": [{"mediator": mediator.pk, "share": -1}]},
                     body | {"extra": 1}):  # fmt: skip
        wrong = api(director).post(url, nonsense, format="json")
        assert wrong.status_code == 400, nonsense
        assert set(wrong.json()["error"]) >= {"code", "message", "fields"}
    stale = api(director).post(url, body, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert shares_of(line)["mediator"][0] == Decimal("0.5000")
    # fractions
    done = api(director).post(url, body, format="json")
    assert done.status_code == 200, done.json()
    got = {m["id"]: m for m in next(li for li in done.json()["lines"] if li["id"] == line.pk)
           ["mediators"]}  # fmt: skip
    assert (got[mediator.pk]["share"], got[mediator.pk]["amount"]) == ("0.6000", "200.00")
    assert (got[mediator2.pk]["share"], got[mediator2.pk]["amount"]) == ("0.4000", "133.33")
    # percentages, with the version read
    version = done.json()["version"]
    percent = {"shares": [{"mediator": mediator.pk, "share": 25},
                          {"mediator": mediator2.pk, "share": 75}]}  # fmt: skip
    again = api(director).post(url, percent, format="json", HTTP_IF_MATCH=f'"{version}"')
    assert again.status_code == 200, again.json()
    assert shares_of(line)["mediator2"] == (Decimal("0.7500"), Decimal("249.99"))
    assert sum(a for _s, a in shares_of(line).values()) == Decimal("333.33")
    # submitted: refused as the wrong state
    with at(10, 7):
        assert api(director).post(f"{CLAIMS}{claim.pk}/transitions/submit/", {},
                                  format="json").status_code == 200  # fmt: skip
    late = api(director).post(url, body, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_state"
