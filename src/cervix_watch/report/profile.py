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
from cervix_watch.domain.history import criteria as history_criteria
from cervix_watch.report.cells import FoldingText
from cervix_watch.rules import Profile
from cervix_watch.rules.identity import profile_label
from cervix_watch.rules.profile import Schedule
from cervix_watch.rules.rule_base import RuleBase
from cervix_watch.rules.schema import HistoryCriteria, describe_limit


def describe_history(criteria: HistoryCriteria, pprom_counts_as_sptb: bool = False) -> str:
    """Any-of history criteria in words: `prior sPTB before 34+0 or prior cerclage (exam)`."""
    words: list[str] = []
    counted = " (PPROM counted)" if pprom_counts_as_sptb else ""
    if criteria.prior_sptb_before is not None:
        words.append(f"prior sPTB before {format_ga(criteria.prior_sptb_before)}{counted}")
    if criteria.prior_sptb_up_to is not None:
        words.append(f"prior sPTB at or before {format_ga(criteria.prior_sptb_up_to)}{counted}")
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
    words.extend(fact.words for name, fact in history_criteria().items() if getattr(criteria, name))
    return " or ".join(words)


def _filters(rule: RuleBase, pprom_counts_as_sptb: bool) -> list[str]:
    words: list[str] = []
    if rule.fetuses != "any":
        words.append("singleton" if rule.fetuses == "singleton" else "multiple pregnancy")
    if rule.history is not None:
        words.append(describe_history(rule.history, pprom_counts_as_sptb))
    if rule.unless_history is not None:
        words.append(f"not ({describe_history(rule.unless_history, pprom_counts_as_sptb)})")
    if rule.risk_by_history:
        risks = " or ".join(r.value for r in rule.risk_by_history)
        words.append(f"risk by history {risks}")
    return words


def condition_words(rule: RuleBase, profile: Profile) -> str:
    """The whole condition of a rule entry: patient filters, then the kind's own test."""
    filters = _filters(rule, profile.pprom_counts_as_sptb)
    return "; ".join([*filters, rule.condition_words(profile.look_ahead_days)])


def schedule_words(schedule: Schedule) -> str:
    window = schedule.window.describe()
    if schedule.kind == "single":
        counts = format_ga(schedule.single_counts_from)
        words = f"one scan in {window} (a scan from {counts} counts), due through the window"
        missed = schedule.missed_until
        if missed is not None:
            words += f"; missed, overdue after it while GA is {missed.describe()}"
        return words + _overdue_words(schedule)
    words = f"every {schedule.interval_days} days in {window}"
    if schedule.short_cl_interval_days is not None and schedule.short_cl_below_mm is not None:
        words += (
            f"; every {schedule.short_cl_interval_days} days once the latest CL is "
            f"below {schedule.short_cl_below_mm:g} mm"
        )
    return words + _overdue_words(schedule)


def _overdue_words(schedule: Schedule) -> str:
    priority = schedule.overdue_priority
    return "" if priority is None else f"; scan-overdue {priority.value}"


def multiple_pregnancy_words(profile: Profile) -> str:
    """The twin and higher-order schedule in words."""
    multiple = profile.multiple_pregnancy
    if multiple.schedule is False:
        return "none"
    if multiple.schedule is True:
        return "as for singletons"
    words = schedule_words(multiple.schedule)
    if multiple.serial_risk_schedule_applies:
        words += "; the risk category's serial schedule instead, where it has one"
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
        body = Text(condition_words(rule, profile))
        body.append(f"\nCitation: {rule.citation}", style="dim")
        table.add_row(head, body)
    return table


def risk_table(profile: Profile) -> Table:
    table = _grid("Risk categories", ["Category", "Criteria (any of)"], (1, 4))
    table.add_row(
        Text("high"), Text(describe_history(profile.risk.high, profile.pprom_counts_as_sptb))
    )
    upgrade = profile.risk.cl_upgrade
    if upgrade is not None:
        limit = describe_limit(upgrade.comparison, upgrade.threshold_mm)
        table.add_row(Text("high"), Text(f"any transvaginal CL {limit} in this pregnancy"))
    if profile.risk.intermediate is not None:
        table.add_row(
            Text("intermediate"),
            Text(describe_history(profile.risk.intermediate, profile.pprom_counts_as_sptb)),
        )
    table.add_row(Text("low"), Text("everyone else"))
    return table


def schedule_table(profile: Profile) -> Table:
    table = _grid("Surveillance schedules", ["Category", "Schedule"], (1, 4))
    for risk, schedule in profile.schedules.items():
        table.add_row(Text(risk.value), Text(schedule_words(schedule)))
    multiple = multiple_pregnancy_words(profile)
    table.add_row(Text("multiple pregnancy"), Text(multiple))
    table.add_row(Text("cerclage in situ"), Text("none (next scan due is empty)"))
    return table


def profile_view(profile: Profile) -> RenderableType:
    head = FoldingText()  # a profile file's long path breaks after a `/`, not mid-name
    head.append(f"{profile_label(profile)}: {profile.title}", style="bold")
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
