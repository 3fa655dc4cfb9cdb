"""What the demo shows while it runs: a progress bar and a short log of what happens."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.demo.checkins import describe as describe_checkins

if TYPE_CHECKING:
    from bot.demo.summary import DemoResult


class DemoConsole:
    """Progress per simulated day, one line per event worth knowing."""

    def __init__(self, *, quiet: bool) -> None:
        self._console = Console(quiet=quiet, highlight=False)
        self._progress = Progress(
            TextColumn("[bold]simulated day"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._task = self._progress.add_task("days", total=1)

    def start(self, days: int) -> None:
        self._progress.update(self._task, total=days)
        self._progress.start()

    def advance(self, day: int) -> None:
        self._progress.update(self._task, completed=day)

    def log(self, line: str) -> None:
        self._progress.console.print(line)

    def enrolled(self, day: int, arms: list[str]) -> None:
        by_arm = ", ".join(f"{arm} {n}" for arm, n in sorted(Counter(arms).items()))
        self.log(f"day {day + 1:>3}: {len(arms)} people enrolled and were allocated ({by_arm})")

    def week(self, week: int, nudges: dict[str, int]) -> None:
        sent = ", ".join(f"{kind} {n}" for kind, n in sorted(nudges.items())) or "none yet"
        self.log(f"week {week:>2}: messages to participants so far: {sent}")

    def _print_estimates(self, result: DemoResult) -> None:
        table = Table(title="Intention-to-treat estimates against control (95% CI)")
        for column in ("outcome", "arm", "estimate", "95% CI"):
            table.add_column(column)
        for estimate in result.estimates:
            label = f"{estimate.outcome.label} ({estimate.measure})"
            missing = estimate.not_estimable
            if missing is not None or estimate.low is None or estimate.high is None:
                reason = missing.reason if missing is not None else "no estimate"
                table.add_row(label, estimate.arm, "not estimable", reason)
                continue
            interval = f"{estimate.low:.2f} to {estimate.high:.2f}"
            table.add_row(label, estimate.arm, f"{estimate.estimate:.2f}", interval)
        if result.estimates:
            self._console.print(table)

    def _print_mechanisms(self, result: DemoResult) -> None:
        """Private topics and counsellor check-ins per arm (the mechanism components)."""
        if not result.mechanisms:
            return
        table = Table(title="Mechanism components per arm (from events)")
        columns = ("topic_delivered", "outreach_sent", "outreach_answered")
        heads = ("private topics delivered", "check-ins sent", "check-ins answered")
        table.add_column("arm")
        for head in heads:
            table.add_column(head, justify="right")
        for arm, counts in sorted(result.mechanisms.items()):
            table.add_row(arm, *(str(counts.get(column, 0)) for column in columns))
        self._console.print(table)

    def finish(self, result: DemoResult) -> None:
        self._progress.stop()
        table = Table(title="Lotgenoot demo: per arm")
        for column in ("arm", "participants", "deposits"):
            table.add_column(column, justify="right" if column != "arm" else "left")
        for arm, count in sorted(result.arms.items()):
            table.add_row(arm, str(count), str(result.deposits.get(arm, 0)))
        self._console.print(table)
        self._print_estimates(result)
        self._print_mechanisms(result)
        if result.group_bounds:
            self._console.print(f"peer groups: the demo protocol sets {result.group_bounds}")
        if result.peer_staying:
            share = result.peer_in_group / result.peer_staying
            self._console.print(
                f"peer participants in a group at the end: {result.peer_in_group} of "
                f"{result.peer_staying} who did not stop ({share:.0%}); join reminders sent: "
                f"{result.join_reminders}, pool updates sent: {result.pool_updates}"
            )
        self._console.print(
            f"most messages nobody asked for that one person got in one day: "
            f"{result.most_unsolicited} (the protocol allows {result.unsolicited_per_day})"
        )
        placement = result.placement
        if placement.due or placement.not_placeable:
            rate = f"{placement.share:.0%}" if placement.share is not None else "–"
            self._console.print(
                f"peer participants in a group by the wait limit + 1 week "
                f"({placement.deadline.days} days): {placement.in_time} of {placement.due} "
                f"placeable who did not stop ({rate}, target 100%); not placeable: "
                f"{placement.not_placeable}"
            )
        for line in describe_checkins(result.checkins):
            self._console.print(line)
        if result.report is not None:
            self._console.print(f"report: {result.report}")
        if result.export is not None:
            self._console.print(f"export: {result.export}")
        self._console.print(f"entries corrected (↩️ Herstel): {result.corrections}")
        if result.calls:
            calls = result.calls
            self._console.print(
                f"non-responders after the reminders: {calls['drawn']} drawn, "
                f"{calls['chosen']} followed up by the research assistant, {calls['entered']} "
                f"with answers entered; {calls['responded']} answered before the draw"
            )
        self._console.print(f"database: {result.database_file}")
        self._console.print(
            f"Bot API calls the sandbox does not know: {result.unknown_calls}; "
            f"messages delivered twice: {result.duplicate_nudges}"
        )
