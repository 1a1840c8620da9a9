"""The application object: one ``Admit`` holds what every use case needs, and offers the use cases.

In the spirit of datasette's ``Datasette``: the rule book, the ledger, the templates, the fonts and
the office settings are chosen once (from the CLI's options or ``admit serve``'s configuration),
and every use case (check, screen, opinion, packet, reports, monitor…) is one method. The CLI and
the web are thin shells over these methods, and the web's worker process runs the same methods,
so no orchestration is written twice. Nothing here knows of click or HTTP.

Each method imports its capability module when it first runs, the one place in the package
that does so on purpose: ``admit ledger show`` must not pay for the rule engine and pydantic, and
``admit check --json`` not for WeasyPrint, SQLAlchemy or matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from admission.documents.templating import Office
    from admission.documents.views import Meeting
    from admission.intake.batch import Result
    from admission.intake.sources import Item
    from admission.ledger.database import Ledger
    from admission.review.decision import Decision
    from admission.rules.rulebook import Rulebook

# The formats a document use case can make; a caller asks for a subset.
PDF, HTML, DOCX, XLSX, CSV = "pdf", "html", "docx", "xlsx", "csv"
Documents = dict[str, bytes]


@dataclass(frozen=True)
class PacketOutcome:
    """A meeting packet: its documents, how many opinions it holds, and the invalid materials."""

    documents: Documents
    opinions: int
    invalid: list[dict[str, Any]]


FIRST_YEAR = 1990  # no project in the ledger is older; earlier years are typing mistakes


def refuse_period(year: int, as_of: date | None = None, month: int | None = None) -> None:
    """A report's period and as-of date, bounded before any work (the CLI and the web alike): a
    year from 1990 to this one, a month not after this one, an as-of date not after today. A
    report of 9999 would count nothing for minutes; one as of 9999-12-31 would charge millennia."""
    from admission.errors import UsageError

    today = date.today()
    if not FIRST_YEAR <= year <= today.year:
        raise UsageError(f"年度应在 {FIRST_YEAR} 至 {today.year} 年之间，实际为 {year}")
    if month is not None and (year, month) > (today.year, today.month):
        raise UsageError(f"月份 {year}-{month:02d} 晚于本月，没有可通报的数据")
    if as_of is not None and as_of > today and as_of != date(year, 12, 31):
        raise UsageError(f"统计截止日期 {as_of.isoformat()} 晚于今天")


class Admit:
    """One office's configuration and its use cases (see the module docstring).

    The rule book is loaded on first use; the ledger is opened on first use and stays open until
    :meth:`close` (``with Admit(...) as admit:``), so the web serves every request from one pool.
    """

    def __init__(
        self,
        rules_dir: Path | None = None,
        db_target: str | None = None,
        templates_dir: Path | None = None,
        font_dir: Path | None = None,
        *,
        rulebook: Rulebook | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.rules_dir = rules_dir
        self.db_target = db_target
        self.templates_dir = templates_dir
        self.font_dir = font_dir
        self._rulebook = rulebook
        self._ledger = ledger
        self._office: Office | None = None

    def __enter__(self) -> Admit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    # --- what the use cases share ------------------------------------------------------------

    @property
    def rulebook(self) -> Rulebook:
        """The rule book, loaded and validated once."""
        if self._rulebook is None:
            from admission.rules.rulebook import default_rules_dir, load_rulebook

            self._rulebook = load_rulebook(self.rules_dir or default_rules_dir())
        return self._rulebook

    def district(self, name: str | None) -> str | None:
        """A district a person named (None: the whole city), refused with the rule book's districts."""
        if name is not None and name not in self.rulebook.districts:
            from admission.errors import UsageError

            raise UsageError(f"未知的区域 {name}；可选：{'、'.join(self.rulebook.districts)}")
        return name

    def ledger(self, create: bool = False) -> Ledger:
        """The ledger at this office's target (``--db``, ``ADMIT_DB`` or ``admit.db``); ``create``
        makes a new one when there is none (commands that record), others refuse to."""
        if self._ledger is None:
            from admission.ledger.database import open_ledger

            self._ledger = open_ledger(self.db_target, create=create)
        return self._ledger

    @property
    def office(self) -> Office:
        """The issuing office, its 文号 and seal line (``office.toml``, overridable by templates)."""
        if self._office is None:
            from admission.documents.templating import office_settings

            self._office = office_settings(self.templates_dir)
        return self._office

    def pdf(self, html: str) -> bytes:
        """A PDF of the HTML, laid out with the templates' files and this office's fonts."""
        from admission.documents.pdf import render_pdf, use_font_dir
        from admission.documents.templating import template_dirs

        use_font_dir(self.font_dir)
        return render_pdf(html, template_dirs(self.templates_dir))[0]

    def documents(self, formats: Collection[str], html: Callable[[], str] | None = None, **makers: Callable[[], bytes]) -> Documents:
        """The asked-for formats of one document, all made in full before any is written: the
        HTML once, and the PDF and the Word file both from it (so a template's wording reaches
        every format); each other format (a workbook) by its maker, and the PDF by its own
        maker when there is one (the packet's, laid out in parts from the same template)."""
        made = {kind: make() for kind, make in makers.items() if kind in formats}
        if html is not None and {PDF, HTML, DOCX} & (set(formats) - set(made)):  # a packet's PDF alone needs no whole HTML
            text = html()
            if HTML in formats:
                made[HTML] = text.encode("utf-8")
            if DOCX in formats:
                from admission.documents.word import html_docx

                made[DOCX] = html_docx(text)
            if PDF in formats and PDF not in made:  # a maker of its own (the packet's) comes first
                made[PDF] = self.pdf(text)
        return made

    # --- review -------------------------------------------------------------------------------

    def decide(self, item: Item, review_date: date) -> Decision | Result:
        """The decision for one input, or its error result (a bug costs one result, never more)."""
        from admission.intake.batch import try_decide

        return try_decide(item, self.rulebook, review_date)

    def screen(
        self, items: Sequence[Item], review_date: date, jobs: int = 1, progress: Callable[[int], None] | None = None
    ) -> list[Result]:
        """Every input's result, in input order, on ``jobs`` processes."""
        from admission.intake.batch import evaluate_all

        return evaluate_all(list(items), self.rulebook, review_date, jobs, progress)

    def screening_documents(self, results: list[Result], formats: Collection[str], notices: Sequence[str] = ()) -> Documents:
        """The screening table (预审结果) as CSV and Excel, with the terminal's counts and notices."""
        from admission.intake.batch import results_csv, results_xlsx

        return self.documents(
            formats, csv=lambda: results_csv(results, self.rulebook), xlsx=lambda: results_xlsx(results, self.rulebook, notices)
        )

    def opinion(self, decision: Decision, review_date: date, formats: Collection[str]) -> Documents:
        """The 审查意见 of one decision, in the asked-for formats (PDF, HTML, Word)."""
        from admission.documents.pdf import UndrawableCharacters, use_font_dir
        from admission.documents.views import refuse_undrawable, render_opinion_html

        if PDF in formats:
            use_font_dir(self.font_dir)
        try:
            return self.documents(formats, lambda: render_opinion_html(decision, review_date, self.templates_dir))
        except UndrawableCharacters:
            # Only now the probe that names the field and the character (a second layout): a
            # normal opinion is laid out once.
            refuse_undrawable(decision, self.templates_dir)
            raise

    def packet(self, items: Iterable[Item], meeting: Meeting, review_date: date, formats: Collection[str]) -> PacketOutcome:
        """The meeting packet (会议材料) of these inputs; invalid ones are listed in it, never fatal."""
        from admission.documents.pdf import UndrawableCharacters, use_font_dir
        from admission.documents.views import packet_context, render_packet_html, render_packet_pdf, set_aside_undrawable
        from admission.intake.batch import decisions_for_documents

        def made_of(decisions: list[Decision], invalid: list[Result]) -> Documents:
            context = packet_context(decisions, invalid, meeting, review_date, self.templates_dir)
            return self.documents(
                formats,
                lambda: render_packet_html(context, self.templates_dir),
                pdf=lambda: render_packet_pdf(context, self.templates_dir),
            )

        decisions, invalid = decisions_for_documents(items, self.rulebook, review_date)
        if PDF in formats:
            use_font_dir(self.font_dir)
        try:
            made = made_of(decisions, invalid)
        except UndrawableCharacters:
            # Only now the probe that finds which projects hold a character no font draws (a
            # layout of all their texts) and sets them aside, named with field and character: a
            # packet whose every character is drawn is laid out once, without it.
            decisions, invalid = set_aside_undrawable(decisions, invalid, self.templates_dir)
            made = made_of(decisions, invalid)
        return PacketOutcome(made, len(decisions), invalid)

    def agenda_items(self, meeting_no: int, meeting_date: date) -> list[Item]:
        """The applications on a meeting's agenda (their latest revisions), in agenda order."""
        from admission.intake.sources import revision_item
        from admission.ledger.queries import agenda_applications

        with self.ledger().reading() as connection:
            found = agenda_applications(connection, meeting_no, meeting_date)
        if not found:
            from admission.errors import UsageError

            meeting = f"{meeting_date.year} 年第 {meeting_no} 次会议（{meeting_date.isoformat()}）"
            raise UsageError(f"台账中没有{meeting}的议程（用 admit ledger agenda 设定）")
        return [revision_item(case_id, content, revision) for case_id, content, revision in found]

    # --- the ledger's reports and the monitor --------------------------------------------------

    def annual(self, year: int, as_of: date, district: str | None = None, as_recorded: str | None = None) -> dict[str, Any]:
        """The figures of the annual 通报 (年度过会项目总体情况通报), as of a date and, with
        ``as_recorded``, as the ledger had recorded them by then."""
        from admission.ledger.history import state
        from admission.reports.annual import annual

        refuse_period(year, as_of)
        with self.ledger().reading() as connection:
            return annual(state(connection, as_recorded), self.rulebook, year, as_of, district)

    def annual_documents(self, figures: dict[str, Any], formats: Collection[str], issued: date) -> Documents:
        """The annual 通报's files; ``issued`` is the 成文日期 its 落款 and 文号 carry."""
        from admission.reports.outputs import annual_html, annual_xlsx

        return self.documents(formats, lambda: annual_html(figures, self.templates_dir, issued), xlsx=lambda: annual_xlsx(figures))

    def monthly(self, year: int, month: int, district: str | None = None, as_recorded: str | None = None) -> dict[str, Any]:
        """The figures of the 月通报 (and, with ``as_recorded``, as recorded by then)."""
        from admission.ledger.history import state
        from admission.reports.monthly import monthly_report

        refuse_period(year, None, month)
        with self.ledger().reading() as connection:
            return monthly_report(state(connection, as_recorded), self.rulebook, year, month, district)

    def monthly_documents(self, figures: dict[str, Any], formats: Collection[str], issued: date) -> Documents:
        """The 月通报's files; ``issued`` is the 成文日期 its 落款 and 文号 carry."""
        from admission.reports.outputs import monthly_html, monthly_xlsx

        return self.documents(formats, lambda: monthly_html(figures, self.templates_dir, issued), xlsx=lambda: monthly_xlsx(figures))

    def monitor(self, as_of: date, district: str | None = None, only: str | None = None, as_recorded: str | None = None) -> dict[str, Any]:
        """The 履约 findings as of a date (read only), and with ``as_recorded`` as recorded by then.
        A date after today is refused: the monitor checks what has happened."""
        from admission.ledger.history import state
        from admission.monitoring.ledger import monitor

        if as_of > date.today():
            from admission.errors import UsageError

            raise UsageError(f"核查日期 {as_of.isoformat()} 晚于今天：履约核查只能核查已经发生的情况")

        with self.ledger().reading() as connection:
            # ``only``: that project's rows alone (a project page), not the whole ledger
            return monitor(state(connection, as_recorded, only=only), self.rulebook, as_of, district, only)

    def monitor_documents(self, result: dict[str, Any], as_of: date, formats: Collection[str]) -> Documents:
        from admission.monitoring.outputs import findings_html, findings_xlsx

        in_force = [v for v in self.rulebook.versions if v.in_force(as_of)] or list(self.rulebook.versions)
        days = in_force[0].monitoring.notice_days
        return self.documents(formats, lambda: findings_html(result, as_of, self.templates_dir, days), xlsx=lambda: findings_xlsx(result))

    # --- supervision: targets, 考核, 督办 -------------------------------------------------------

    def targets_report(self, year: int, as_of: date, district: str | None = None, as_recorded: str | None = None) -> dict[str, Any]:
        """The 绩效自评表: the targets of 全市 (or a district) for ``year``, measured as of a date."""
        from admission.ledger.history import state
        from admission.supervision.targets import targets_report

        refuse_period(year, as_of)
        with self.ledger().reading() as connection:
            return targets_report(state(connection, as_recorded), self.rulebook, year, as_of, district)

    def assessment(self, year: int, as_of: date, as_recorded: str | None = None) -> dict[str, Any]:
        """The districts' 年考核: scores, ranks, 通报表扬 and 约谈."""
        from admission.ledger.history import state
        from admission.supervision.targets import assessment

        refuse_period(year, as_of)
        with self.ledger().reading() as connection:
            return assessment(state(connection, as_recorded), self.rulebook, year, as_of)

    def targets_with_assessment(self, year: int, as_of: date, district: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The targets of 全市 (or a district) and the 年考核, from one reading of the ledger."""
        from admission.ledger.history import state
        from admission.supervision.targets import targets_and_assessment

        refuse_period(year, as_of)
        with self.ledger().reading() as connection:
            return targets_and_assessment(state(connection), self.rulebook, year, as_of, district)

    def targets_documents(self, report: dict[str, Any], formats: Collection[str], issued: date) -> Documents:
        from admission.supervision.outputs import targets_html, targets_xlsx

        return self.documents(formats, lambda: targets_html(report, self.templates_dir, issued), xlsx=lambda: targets_xlsx(report))

    def assessment_documents(self, result: dict[str, Any], formats: Collection[str], issued: date) -> Documents:
        from admission.supervision.outputs import assessment_html, assessment_xlsx

        return self.documents(formats, lambda: assessment_html(result, self.templates_dir, issued), xlsx=lambda: assessment_xlsx(result))

    def chase(self, as_of: date, district: str | None = None, as_recorded: str | None = None) -> dict[str, Any]:
        """The projects to chase (督办) as of a date, their lights and items, and the open rounds."""
        from admission.ledger.history import state
        from admission.supervision.chase import chase

        refuse_as_of(as_of, "督办日期")
        with self.ledger().reading() as connection:
            return chase(state(connection, as_recorded), self.rulebook, as_of, district)

    def chase_documents(self, result: dict[str, Any], formats: Collection[str]) -> Documents:
        from admission.supervision.outputs import chase_xlsx

        return self.documents(formats, xlsx=lambda: chase_xlsx(result))

    def issue_supervision(self, district: str, as_of: date, actor: str, source: str) -> dict[str, Any]:
        """Record a 督办 round to ``district`` for its overdue items as of ``as_of``; the notice."""
        from admission.ledger.history import state
        from admission.ledger.supervision import issue_round
        from admission.supervision.chase import chase
        from admission.supervision.outputs import issue_items

        refuse_as_of(as_of, "督办日期")
        ledger = self.ledger()
        terms = self.rulebook.version_on(as_of).supervision
        with ledger.reading() as connection:
            snapshot = state(connection)
            items = issue_items(chase(snapshot, self.rulebook, as_of, district))
            issued_this_year = sum(1 for r in snapshot.rounds if r.issued_on.year == as_of.year)
        number = self.office.supervision_number_for(as_of, issued_this_year + 1)
        round_id = issue_round(ledger, number, as_of, district, as_of + timedelta(days=terms.reply_days), items, actor=actor, source=source)
        return self.notice(round_id)

    def notice(self, round_id: int, as_recorded: str | None = None, as_of: date | None = None) -> dict[str, Any]:
        """One 督办通知 as recorded: its number, district, reply deadline and items, with their
        states and replies as of ``as_of`` (default: the day it was issued)."""
        from admission.errors import UsageError
        from admission.ledger.history import state
        from admission.supervision.outputs import notice_view

        with self.ledger().reading() as connection:  # the snapshot reads some of its parts when first asked
            snapshot = state(connection, as_recorded)
            found = next((r for r in snapshot.rounds if r.id == round_id), None)
            if found is None:
                raise UsageError(f"没有编号为 {round_id} 的督办通知")
            return notice_view(snapshot, found, as_of)

    def leader_book(self, as_of: date, as_recorded: str | None = None) -> bytes:
        """The leader's 台账 (one row per project, milestones, light and latest progress) as a workbook."""
        from admission.ledger.history import state
        from admission.supervision.leader import leader_book

        refuse_as_of(as_of, "统计截止日期")
        with self.ledger().reading() as connection:
            return leader_book(state(connection, as_recorded), self.rulebook, as_of)

    def notice_documents(self, notice: dict[str, Any], formats: Collection[str]) -> Documents:
        from admission.supervision.outputs import notice_html

        return self.documents(formats, lambda: notice_html(notice, self.templates_dir, self.office))


def refuse_as_of(as_of: date, what: str) -> None:
    """A date of something that has happened (a 督办, a check): not after today."""
    if as_of > date.today():
        from admission.errors import UsageError

        raise UsageError(f"{what} {as_of.isoformat()} 晚于今天")
