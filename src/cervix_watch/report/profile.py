"""`rules show`: a profile's rules, risk categories and schedules in words, from the spec objects.

The wording is generated from the same pydantic models the engine reads
(windows, thresholds, history criteria), so what a clinician reads here is
what the engine applies, including a clinic's edited copy of a profile.
"""

from __future__ import annotations

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cervix_watch.domain.ga import format_ga
from cervix_watch.rules import Profile
from cervix_watch.rules.profile import Schedule
from cervix_watch.rules.schema import HistoryCriteria, describe_limit
from cervix_watch.rules.specs import (
    ExamRule,
    FindingRule,
    HistoryRule,
    LatestClRule,
    MeasurementQualityRule,
    QualifyingClRule,
    RuleBase,
    ScanDueRule,
    ScanOverdueRule,
    ShortOutsideWindowRule,
    TreatmentEndRule,
)


def describe_history(criteria: HistoryCriteria) -> str:
    """Any-of history criteria in words: `prior sPTB before 34+0 or prior cerclage (exam)`."""
    words: list[str] = []
    if criteria.prior_sptb_before is not None:
        words.append(f"prior sPTB before {format_ga(criteria.prior_sptb_before)}")
    if criteria.prior_sptb_count_min is not None:
        words.append(f"at least {criteria.prior_sptb_count_min} prior sPTB/mid-trimester losses")
    if criteria.painless_loss_count_min is not None:
        words.append(f"at least {criteria.painless_loss_count_min} painless second-trimester loss")
    if criteria.prior_cerclage:
        words.append(f"prior cerclage ({', '.join(c.value for c in criteria.prior_cerclage)})")
    if criteria.prior_pprom_before is not None:
        words.append(f"prior PPROM before {format_ga(criteria.prior_pprom_before)}")
    if criteria.cervical_excision:
        kinds = ", ".join(c.value for c in criteria.cervical_excision)
        words.append(f"cervical excision ({kinds})")
    for name, text in (
        ("uterine_anomaly", "uterine anomaly"),
        ("intrauterine_adhesions", "intrauterine adhesions"),
        ("caesarean_full_dilatation", "caesarean at full dilatation"),
    ):
        if getattr(criteria, name):
            words.append(text)
    return " or ".join(words)


def _filters(rule: RuleBase) -> list[str]:
    words: list[str] = []
    if rule.fetuses != "any":
        words.append("singleton" if rule.fetuses == "singleton" else "multiple pregnancy")
    if rule.history is not None:
        words.append(describe_history(rule.history))
    if rule.unless_history is not None:
        words.append(f"not ({describe_history(rule.unless_history)})")
    if rule.risk_by_history:
        risks = " or ".join(r.value for r in rule.risk_by_history)
        words.append(f"risk by history {risks}")
    return words


def _exam_words(rule: ExamRule) -> str:
    dilation = f"dilation {describe_limit(rule.dilation_comparison, rule.dilation_cm, 'cm')}"
    parts = [dilation, "membranes visible"] if rule.membranes_visible else [dilation]
    joiner = " and " if rule.combine == "all" else " or "
    return f"exam with {joiner.join(parts)}, GA {rule.ga_window.describe()}"


def _kind_words(rule: RuleBase, look_ahead_days: int) -> str:
    if isinstance(rule, QualifyingClRule):
        return f"qualifying transvaginal CL {rule.describe()}"
    if isinstance(rule, HistoryRule):
        unless = (
            ""
            if rule.unless_short_cl is None
            else (f", no qualifying CL {rule.unless_short_cl.describe()}")
        )
        return f"GA {rule.ga_window.describe()}{unless}"
    if isinstance(rule, LatestClRule):
        return f"latest transvaginal CL {rule.describe_band()}, GA {rule.ga_window.describe()}"
    if isinstance(rule, ExamRule):
        return _exam_words(rule)
    if isinstance(rule, TreatmentEndRule):
        return f"{rule.treatment.value} still running, GA {format_ga(rule.from_ga)} or later"
    if isinstance(rule, ShortOutsideWindowRule):
        limit = describe_limit(rule.comparison, rule.threshold_mm)
        return f"a transvaginal CL {limit} outside {rule.window.describe()}"
    if isinstance(rule, MeasurementQualityRule):
        routes = ", ".join(r.value for r in rule.routes)
        return (
            f"latest scan: fewer than {rule.min_measurements} measurements, spread "
            f">= {rule.max_spread_fraction:.0%}, or route not {routes}"
        )
    if isinstance(rule, FindingRule):
        return f"latest scan records {rule.finding}"
    if isinstance(rule, ScanDueRule):
        return f"next surveillance scan due within {look_ahead_days} days"
    if isinstance(rule, ScanOverdueRule):
        return "next surveillance scan due before the review date"
    return "(condition not described)"


def condition_words(rule: RuleBase, look_ahead_days: int) -> str:
    """The whole condition of a rule entry: patient filters, then the kind's own test."""
    return "; ".join([*_filters(rule), _kind_words(rule, look_ahead_days)])


def _schedule_words(schedule: Schedule) -> str:
    window = schedule.window.describe()
    if schedule.kind == "single":
        return f"one scan in {window} (a scan from {format_ga(schedule.single_counts_from)} counts)"
    words = f"every {schedule.interval_days} days in {window}"
    if schedule.short_cl_interval_days is not None and schedule.short_cl_below_mm is not None:
        words += (
            f"; every {schedule.short_cl_interval_days} days once the latest CL is "
            f"below {schedule.short_cl_below_mm:g} mm"
        )
    return words


def _grid(title: str, columns: list[str], ratios: tuple[int, ...] = ()) -> Table:
    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=box.ROUNDED,
        show_lines=True,
        expand=True,
    )
    for index, column in enumerate(columns):
        ratio = ratios[index] if index < len(ratios) else 1
        table.add_column(column, overflow="fold", ratio=ratio or None, no_wrap=ratio == 0)
    return table


RULE_COLUMN_WIDTH = 29  # fits the longest action, history-cerclage-discussion


def rules_table(profile: Profile) -> Table:
    table = _grid(f"Rules ({len(profile.rules)})", [], ())
    table.add_column(
        "Rule / action / priority",
        overflow="fold",
        min_width=RULE_COLUMN_WIDTH,
        max_width=RULE_COLUMN_WIDTH,
    )
    table.add_column("Condition and citation", overflow="fold", ratio=1)
    for rule in profile.rules:
        head = Text(rule.id, style="bold")
        for action in rule.action:
            head.append(f"\n-> {action.value}")
        head.append(f"\n{rule.priority.value.upper()}")
        body = Text(condition_words(rule, profile.look_ahead_days))
        body.append(f"\nCitation: {rule.citation}", style="dim")
        table.add_row(head, body)
    return table


def risk_table(profile: Profile) -> Table:
    table = _grid("Risk categories", ["Category", "Criteria (any of)"], (1, 4))
    table.add_row(Text("high"), Text(describe_history(profile.risk.high)))
    upgrade = profile.risk.cl_upgrade
    if upgrade is not None:
        limit = describe_limit(upgrade.comparison, upgrade.threshold_mm)
        table.add_row(Text("high"), Text(f"any transvaginal CL {limit} in this pregnancy"))
    if profile.risk.intermediate is not None:
        table.add_row(Text("intermediate"), Text(describe_history(profile.risk.intermediate)))
    table.add_row(Text("low"), Text("everyone else"))
    return table


def schedule_table(profile: Profile) -> Table:
    table = _grid("Surveillance schedules", ["Category", "Schedule"], (1, 4))
    for risk, schedule in profile.schedules.items():
        table.add_row(Text(risk.value), Text(_schedule_words(schedule)))
    multiple = "as for singletons" if profile.multiple_pregnancy.schedule else "none"
    table.add_row(Text("multiple pregnancy"), Text(multiple))
    table.add_row(Text("cerclage in situ"), Text("none (next scan due is empty)"))
    return table


def profile_view(profile: Profile) -> RenderableType:
    head = Text()
    head.append(f"{profile.name}: {profile.title}", style="bold")
    head.append(
        f"\nActive: GA before {format_ga(profile.active_before)} or a cerclage in situ. "
        f"Look-ahead for scan-due: {profile.look_ahead_days} days."
    )
    if profile.source:
        head.append(f"\nSource: {profile.source}")
    return RenderGroup(
        head,
        Text(""),
        rules_table(profile),
        Text(""),
        risk_table(profile),
        Text(""),
        schedule_table(profile),
    )
