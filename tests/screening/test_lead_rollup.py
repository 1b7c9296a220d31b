"""The roll-up of the 排查 table (screening/rollup.py, SPEC §13, §16) stays equal to the live
computation: random sequences of lead changes (report, every transition, sweep reports) and of
changes to the cases converted leads became (walks to agreement, failure, withdrawal, reopening,
risk reassessment) — with time passing — keep the stored roll-up equal to the one recomputed
from the leads, and the table from the roll-up equal to the live table; the rebuild equals the
incremental roll-up; only a user who sees the region's whole subtree reads it."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cases.choices import AGREEMENT_OUTCOMES
from cases.models import Case, DisputeType, Region
from core.errors import DomainError
from screening import rollup as lead_rollup
from screening.models import Lead, LeadRollup, LeadRollupCase, SweepReport
from supervision import screening_stats as stats
from tests.factories import walk_to
from tests.screening.test_stats import scene, sweep  # noqa: F401  (fixtures)
from workflows import deadlines
from workflows import services as s

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 20, 9, 30, tzinfo=TZ)
FACTORS = ["violence_threat", "petition_history"]
RIGHT = {  # the right actor of each lead transition (for a lead of 东村调委)
    "to_case": "clerk",
    "resolve_on_site": "mediator",
    "refer": "clerk",
    "watch": "mediator",
    "close": "director",
}
CASE_STEPS = {
    "decline": ("clerk", {"reason": "不属于受理范围"}),
    "withdraw": ("clerk", {"party": "申请人", "reason": "和解"}),
    "record_failure": ("mediator", {"reason": "分歧大"}),
    "approve_closure": ("director", {}),
    "reopen": ("director", {"reason": "未履行"}),
    "archive": ("clerk", {}),
}


def lead_data(name: str) -> dict:
    soon = timezone.localdate() + dt.timedelta(days=7)
    return {
        "to_case": {},
        "resolve_on_site": {"note": "就地化解"},
        "refer": {"receiver": "police", "reason": "涉嫌违法", "feedback_due": soon},
        "watch": {"note": "跟踪", "next_check_on": soon},
        "close": {"note": "核实无纠纷"},
    }[name]


def both(user, region, date_from, date_to):
    sel = stats.Selection(user, region, date_from, date_to)
    return stats.screening_table(sel, "live"), stats.screening_table(sel, "rollup")


def test_random_changes_keep_lead_rollup_equal_to_live(world, admin_user, supervisor_city):
    users = {u.username: u for u in get_user_model().objects.all()}
    types = [None, *DisputeType.objects.filter(taxonomy__is_current=True).order_by("pk")[:2]]
    places = {
        "grid": Region.objects.get(name="东村第一网格"),
        "clerk": world["east_village"],
        "clerk_b": world["west_village"],  # 白水县
    }
    counts = {"changes": 0, "refused": 0, "checks": 0}
    done: set[str] = set()
    refused: dict[str, str] = {}
    clock = {"now": START}  # one clock for all examples, only moving forward

    class LeadRollupMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.traveller = time_machine.travel(clock["now"], tick=False)
            self.clock = self.traveller.start()
            today = timezone.localdate()
            self.sweep = s.sweep_open(
                actor=users["supervisor"],
                region=world["qingshan"],
                name="基准排查",
                starts_on=today - dt.timedelta(days=40),
                ends_on=today + dt.timedelta(days=60),
            )
            self.leads: list[Lead] = []

        def teardown(self):
            clock["now"] = timezone.now()
            self.traveller.stop()

        def _do(self, fn, name):
            try:
                fn()
                counts["changes"] += 1
                done.add(name)
            except DomainError as exc:
                counts["refused"] += 1
                refused[name] = f"{exc} {getattr(exc, 'missing', '')}"

        def cases(self, east_only=True):
            found = Lead.objects.filter(pk__in=[x.pk for x in self.leads], case__isnull=False)
            if east_only:
                found = found.filter(organization=world["east"])
            return list(Case.objects.filter(lead__in=found).order_by("pk"))

        @precondition(lambda self: len(self.leads) < 6)
        @rule(
            who=st.sampled_from(sorted(places)),
            people=st.integers(0, 12),
            factors=st.sets(st.sampled_from(FACTORS)),
            dtype=st.integers(0, 2),
            back=st.integers(0, 40),
            in_sweep=st.booleans(),
        )
        def report(self, who, people, factors, dtype, back, in_sweep):
            region = places[who]
            in_sweep = in_sweep and region.path.startswith(world["qingshan"].path)
            self._do(
                lambda: self.leads.append(
                    s.lead_report(
                        actor=users[who],
                        region=region,
                        description="两户因排水沟堵塞争吵",
                        people=[
                            {"name": f"村民{len(self.leads)}", "role": "applicant"},
                            {"name": "李小红", "role": "respondent"},
                        ],
                        people_involved=people,
                        risk_factors=sorted(factors),
                        dispute_type=types[dtype],
                        found_on=timezone.localdate() - dt.timedelta(days=back),
                        sweep=self.sweep if in_sweep else None,
                    )
                ),
                "report" + (":sweep" if in_sweep else ""),
            )

        @precondition(lambda self: self.leads)
        @rule(i=st.integers(0, 50), name=st.sampled_from(sorted(RIGHT)), right=st.integers(0, 3))
        def lead_step(self, i, name, right):
            lead = self.leads[i % len(self.leads)]
            lead.refresh_from_db()
            west = lead.organization_id == world["west"].pk
            actor = users["clerk_b" if west else (RIGHT[name] if right else "director")]
            self._do(
                lambda: s.lead_transition(lead, name, actor=actor, version=None, **lead_data(name)),
                name,
            )

        @rule(zero=st.booleans())
        def sweep_report(self, zero):
            unit = world["east_village"]
            if SweepReport.objects.filter(sweep=self.sweep, region=unit).exists():
                return
            self._do(
                lambda: s.sweep_report(self.sweep, actor=users["clerk"], region=unit, zero=zero),
                "sweep_report",
            )

        def open_east(self):
            return list(
                Lead.objects.filter(
                    pk__in=[x.pk for x in self.leads],
                    organization=world["east"],
                    status__in=["reported", "watching"],
                ).order_by("pk")
            )

        def walk(self, case, stage):
            # a critical case is reported to the police first: not what is tested here
            Case.objects.filter(pk=case.pk).update(risk_reported_at=timezone.now())
            case.refresh_from_db()
            self._do(
                lambda: walk_to(
                    case,
                    stage,
                    clerk=users["clerk"],
                    mediator=users["mediator"],
                    director=users["director"],
                ),
                f"walk:{stage}",
            )

        @precondition(lambda self: self.open_east())
        @rule(i=st.integers(0, 50), stage=st.sampled_from(["", "closure", "follow_up", "archived"]))
        def convert_and_walk(self, i, stage):
            """An open lead of 东村 made a case, and the case walked along the usual path (each
            step its own change): the deep states — agreement, follow-up — in every run."""
            leads = self.open_east()
            lead = leads[i % len(leads)]
            self._do(
                lambda: s.lead_transition(lead, "to_case", actor=users["clerk"], version=None),
                "to_case",
            )
            lead.refresh_from_db()
            if stage and lead.case_id:
                self.walk(lead.case, stage)

        @precondition(lambda self: self.cases())
        @rule(i=st.integers(0, 50), stage=st.sampled_from(["closure", "follow_up", "archived"]))
        def case_walk(self, i, stage):
            fresh = [c for c in self.cases() if c.status == "intake"]
            if fresh:
                self.walk(fresh[i % len(fresh)], stage)

        @precondition(lambda self: self.cases())
        @rule(i=st.integers(0, 50), name=st.sampled_from(sorted(CASE_STEPS)))
        def case_step(self, i, name):
            cases = self.cases()
            case = cases[i % len(cases)]
            who, data = CASE_STEPS[name]
            self._do(lambda: s.case_transition(case, name, actor=users[who], **data), name)

        @precondition(lambda self: self.cases())
        @rule(i=st.integers(0, 50), factors=st.sets(st.sampled_from([*FACTORS, "group_5"])))
        def case_reassess(self, i, factors):
            cases = self.cases()
            case = cases[i % len(cases)]
            self._do(
                lambda: s.case_reassess_risk(
                    case, actor=users["clerk"], factors=sorted(factors), reason="复评"
                ),
                "reassess_risk",
            )

        @rule(days=st.integers(0, 9))
        def time_passes(self, days):
            self.clock.shift(dt.timedelta(days=days))

        @invariant()
        def stored_equals_recomputed(self):
            assert lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored()) == []

        @invariant()
        def tables_equal(self):
            today = deadlines.today()
            year = (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
            month = (today.replace(day=1), today)
            for user, region, period in (
                (admin_user, world["city"], year),
                (users["supervisor"], world["qingshan"], month),
                (supervisor_city, world["city"], (dt.date(today.year - 1, 11, 1), today)),
                (admin_user, world["baishui"], year),
            ):
                live, rolled = both(user, region, *period)
                assert rolled == live
                counts["checks"] += 1

    LeadRollupMachine.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    LeadRollupMachine.TestCase().runTest()
    print(f"\nlead rollup: {counts} {sorted(done)} {refused}")
    assert counts["changes"] > 40, counts
    assert {"to_case", "resolve_on_site", "refer", "reassess_risk"} <= done, done
    assert done & {"walk:closure", "walk:follow_up", "walk:archived"}, refused
    # the case path was exercised: a converted lead counted as a success through its case
    assert Lead.objects.filter(status="converted", case__outcome__in=AGREEMENT_OUTCOMES).exists()
    assert LeadRollup.objects.filter(handled_success__gt=0).exists()


def test_rebuild_equals_incremental_and_stats_rebuild(scene, supervisor, world):  # noqa: F811
    incremental = lead_rollup.stored()
    assert incremental[0] and incremental[1]  # rows, and the converted lead's case figures
    assert lead_rollup.differences(lead_rollup.computed(), incremental) == []
    lead_rollup.rebuild()
    assert lead_rollup.stored() == incremental
    call_command("stats_rebuild", "--verify", stdout=io.StringIO())
    LeadRollup.objects.update(leads=7)
    LeadRollupCase.objects.update(agreed=False)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stats_rebuild", "--verify", stderr=err)
    assert "lead rollup" in err.getvalue() and "lead case" in err.getvalue()
    out = io.StringIO()
    call_command("stats_rebuild", stdout=out)
    assert "lead roll-up rebuilt" in out.getvalue()
    assert lead_rollup.stored() == incremental
    call_command("stats_rebuild", "--verify", stdout=io.StringIO())


def test_a_case_change_moves_its_lead_in_the_rollup(scene, supervisor, director, mediator, world):  # noqa: F811
    """The converted lead's case (agreement, violence, petition history) counts: reopening the
    case takes its success away from the roll-up in the same transaction, as live."""
    month = (timezone.localdate().replace(day=1), timezone.localdate())
    live, rolled = both(supervisor, world["qingshan"], *month)
    assert rolled == live
    assert (rolled["handled_success"], rolled["prevented_criminal"]) == (2, 1)
    case = Case.objects.get(pk=scene["agreed"].case_id)
    visit = {"visited_at": timezone.now(), "method": "phone", "visitee": "王大明"}
    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        performance="not_performed",
        satisfaction="unsatisfied",
        **visit,
    )
    s.case_transition(case, "reopen", actor=director, reason="未履行")
    live, rolled = both(supervisor, world["qingshan"], *month)
    assert rolled == live
    assert (rolled["handled_success"], rolled["prevented_criminal"]) == (1, 0)
    assert lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored()) == []


def test_scope_baishui_never_in_qingshan_and_narrower_users_read_live(
    scene,  # noqa: F811
    supervisor,
    supervisor_city,
    admin_user,
    clerk,
    outsider,
    world,
):
    today = timezone.localdate()
    month = (today.replace(day=1), today)
    county = stats.Selection(supervisor, world["qingshan"], *month)
    assert stats.use_rollup(county)
    assert stats.screening_table(county)["leads"] == 4  # not 白水县's lead
    live, rolled = both(supervisor_city, world["city"], *month)
    assert rolled == live
    rows = {r["name"]: r for r in rolled["by_child_region"]}
    assert (rows["青山县小计"]["leads"], rows["白水县小计"]["leads"]) == (4, 1)
    baishui_live, baishui_rolled = both(admin_user, world["baishui"], *month)
    assert baishui_rolled == baishui_live and baishui_rolled["leads"] == 1
    # a committee (a narrower scope) gets the live query over the leads it may see
    for user, region in ((clerk, world["east_village"]), (outsider, world["west_village"])):
        sel = stats.Selection(user, region, *month)
        assert not stats.use_rollup(sel)
        with pytest.raises(ValueError):
            stats.screening_table(sel, "rollup")
    assert (
        stats.screening_table(stats.Selection(outsider, world["west_village"], *month))["leads"]
        == 1
    )
    # the supervisor of 青山县 does not see the city: no roll-up there
    assert not stats.use_rollup(stats.Selection(supervisor, world["city"], *month))
    # not whole months: live
    if today.day > 1:
        part = stats.Selection(supervisor, world["qingshan"], today.replace(day=2), today)
        assert not stats.use_rollup(part)
    assert not stats.use_rollup(
        stats.Selection(supervisor, world["qingshan"], dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    )


def test_demo_data_table_same_from_rollup(world, admin_user, supervisor, supervisor_city):
    from demo.screening import seed_screening

    assert seed_screening() > 0
    assert lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored()) == []
    today = timezone.localdate()
    for user, region in (
        (supervisor, world["qingshan"]),
        (supervisor_city, world["city"]),
        (admin_user, world["baishui"]),
    ):
        for period in ((today.replace(day=1), today), (dt.date(today.year, 1, 1), today)):
            live, rolled = both(user, region, *period)
            assert rolled == live
    sel = stats.selection(supervisor, {"region": str(world["qingshan"].pk)})  # the page default
    assert stats.use_rollup(sel) and stats.screening_table(sel)["leads"] > 0
