"""The station brief as a one-page PDF (fpdf2)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from partnership.actions.measures import Brief

# A Unicode font for Cyrillic and other non-Latin names when the system has one (Debian's
# fonts-dejavu-core); otherwise the PDF core font with unsupported characters replaced.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def _font(pdf: FPDF) -> tuple[str, bool]:
    for folder in FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def brief_pdf(brief: Brief) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    family, unicode_ok = _font(pdf)

    def text(value: object) -> str:
        value = str(value)
        return value if unicode_ok else value.encode("latin-1", "replace").decode("latin-1")

    def heading(value: str, size: int = 12) -> None:
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)

    def line(value: str) -> None:
        pdf.multi_cell(0, 5, text(value), new_x="LMARGIN", new_y="NEXT")

    changed = (brief.new_concerns or brief.concern_changes or brief.new_points
               or brief.follow_ups)  # fmt: skip
    heading(_("Station brief: %(station)s", station=brief.station.name), 15)
    if changed:
        line(_("Changes since %(date)s", date=format_date(brief.since)))
    else:
        line(_("Nothing changed since %(date)s.", date=format_date(brief.since)))
    heading(_("Open concerns by category"))
    for category, count in brief.concerns_by_category:
        line(f"{category.label}: {count}")
    if not brief.concerns_by_category:
        line(_("No open concerns."))
    heading(_("Action points by status and owner side"))
    line(f"{_('Status')} — {_('Police')} / {_('NGO')} / {_('No owner')}")
    for status, police, ngo, none in brief.points_by_status:
        line(f"{status.label}: {police} / {ngo} / {none}")
    heading(_("Overdue"))
    for point in brief.overdue:
        line(f"#{point.id} {point.title} — " + _("due %(date)s", date=format_date(point.due_on)))
    if not brief.overdue:
        line(_("Nothing overdue."))
    if not changed:
        # No empty heading at the foot of the page: the first line already says so.
        return bytes(pdf.output())
    heading(_("What changed"))
    for concern in brief.new_concerns:
        line(f"{_('New concern')}: #{concern.id} {concern.category.label}")
    for concern in brief.concern_changes:
        line(f"{_('Concern')} #{concern.id}: {concern.status.label}")
    for point in brief.new_points:
        line(f"{_('New action point')}: #{point.id} {point.title}")
    for follow_up in brief.follow_ups:
        line(
            f"{_('Action point')} #{follow_up.action_point_id}: "
            f"{follow_up.to_status.label} ({format_date(follow_up.on_date)})"
        )
    return bytes(pdf.output())
