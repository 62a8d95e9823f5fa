"""Invoice and credit-note PDFs with reportlab's canvas and a small layout of our own.

The layout is built as a list of blocks (header, table rows, totals, texts) whose heights are
measured first; blocks are then placed on pages, so the page count is known before anything
is drawn and every page can say "page X / Y". The line table's header is repeated on each
page that continues it. See docs/pdf-engine.md for the choice of engine and its speed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .canvas import write_pdf
from .document import PdfDocument
from .formatting import (
    country_name,
    format_amount,
    format_date,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
    group_iban,
)
from .labels import (
    identifier_label,
    labels_for,
    tax_category_label,
    unit_label,
)
from .painter import (
    CONTENT_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MUTED,
    PAGE_HEIGHT,
    SHADE,
    Painter,
)
from .text import isolate

BODY = 8.5
SMALL = 7.2
TITLE = 18.0
CELL_PAD = 3.5
GAP = 10.0
LOGO_WIDTH, LOGO_HEIGHT = 130.0, 48.0
MIN_TABLE_SIZE = 7.0
MIN_DESCRIPTION_WIDTH = 150.0
SEPARATOR = "   ·   "
# Floors so that short headers ("Prix unitaire HT") wrap on two lines rather than three.
MIN_COLUMN_WIDTHS = {"unit_price": 62.0, "net_amount": 62.0, "quantity": 30.0, "unit": 34.0}

# A block draws itself with its top at ``top`` (or only measures when ``dry``); returns height.
DrawFunction = Callable[[float, bool], float]


@dataclass
class Block:
    draw: DrawFunction
    height: float
    is_row: bool = False
    keep_with_next: bool = False


def render_pdf(doc: PdfDocument) -> bytes:
    """The PDF of an invoice or credit note; the same document always gives the same bytes."""
    labels = labels_for(doc.language)
    title = labels["title_credit_note" if doc.is_credit_note else "title_invoice"]
    return write_pdf(
        lambda painter: _InvoiceLayout(doc, painter).draw(),
        language=doc.language,
        title=doc.number,
        author=doc.seller.get("legal_name", ""),
        subject=f"{title} {doc.number}",
        date=doc.issue_date,
        initial_font_size=BODY,
    )


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


class _InvoiceLayout:
    def __init__(self, doc: PdfDocument, painter: Painter) -> None:
        self.doc = doc
        self.p = painter
        self.labels = labels_for(doc.language)
        self.language = doc.language
        self.title = self.labels["title_credit_note" if doc.is_credit_note else "title_invoice"]

    # helpers ------------------------------------------------------------------------------
    def labelled(self, key: str, value: str) -> str:
        """``label : value`` with the value isolated so it keeps its own direction."""
        separator = "\u00a0: " if self.language == "fr" else ": "
        return f"{self.labels[key]}{separator}{isolate(value)}"

    def money(self, amount) -> str:
        return format_money(amount, self.doc.currency, self.language)

    def date(self, value) -> str:
        return format_date(value, self.language)

    # page furniture -------------------------------------------------------------------------
    def footer_text(self) -> str:
        seller = self.doc.seller
        capital = seller.get("share_capital") or ""
        legal_name = seller.get("legal_name", "")
        legal_form = seller.get("legal_form", "")
        if legal_form and legal_form in legal_name.split():
            legal_form = ""  # "Ardoise SAS" already says it
        identity = _join(
            legal_name,
            legal_form,
            self.labels["share_capital"].format(capital=isolate(capital)) if capital else "",
        )
        footer = seller.get("invoice_footer") or ""
        return "\n".join(part for part in (identity, footer) if part)

    def draw_footer(self, page: int, pages: int, dry: bool = False) -> float:
        p = self.p
        page_label = self.labels["page"].format(page=page, pages=pages)
        side = 80.0
        lines = p.type.wrap(self.footer_text(), CONTENT_WIDTH - 2 * side, SMALL)
        height = max(len(lines), 1) * p.leading(SMALL)
        if dry:
            return height + 6
        top = MARGIN_BOTTOM + height
        p.rule(0, CONTENT_WIDTH, top + 4)
        p.lines(lines, side, CONTENT_WIDTH - 2 * side, top, align="center", color=MUTED)
        p.paragraph(page_label, CONTENT_WIDTH - side, side, top, SMALL, align="end", color=MUTED)
        return height + 6

    def draw_running_header(self, top: float, dry: bool = False) -> float:
        """Header of continuation pages: who, what, which number."""
        p, seller = self.p, self.doc.seller
        name = seller.get("trade_name") or seller.get("legal_name", "")
        half = CONTENT_WIDTH / 2
        height = max(
            p.paragraph(name, 0, half, top, 10, bold=True, dry=dry),
            p.paragraph(
                f"{self.title} {isolate(self.doc.number)}",
                half,
                half,
                top,
                10,
                bold=True,
                align="end",
                dry=dry,
            ),
        )
        if not dry:
            p.rule(0, CONTENT_WIDTH, top - height - 4)
        return height + GAP

    def draw_first_header(self, top: float, dry: bool = False) -> float:
        p, doc = self.p, self.doc
        start_width = CONTENT_WIDTH * 0.52
        end_width = CONTENT_WIDTH * 0.42
        end_start = CONTENT_WIDTH - end_width
        start_top = top
        if doc.logo_path and os.path.isfile(doc.logo_path):
            drawn = dry or p.image(doc.logo_path, 0, LOGO_WIDTH, top, LOGO_HEIGHT)
            if drawn:
                start_top -= LOGO_HEIGHT + 8
        title_height = self.draw_title(end_start, end_width, top, dry)
        end_top = top - title_height - 8
        upper = min(start_top, end_top)
        seller_height = self.draw_seller(0, start_width, upper, dry)
        buyer_height = self.draw_buyer(end_start, end_width, upper, dry)
        y = upper - max(seller_height, buyer_height) - GAP
        y -= self.draw_references(y, dry)
        return top - y

    def draw_title(self, start: float, width: float, top: float, dry: bool) -> float:
        p, doc = self.p, self.doc
        y = top
        y -= p.paragraph(self.title, start, width, y, TITLE, bold=True, align="end", dry=dry)
        y -= 2
        number = f"{self.labels['number']} {isolate(doc.number)}"
        y -= p.paragraph(number, start, width, y, 10.5, bold=True, align="end", dry=dry)
        dates = [self.labelled("issue_date", self.date(doc.issue_date))]
        if doc.due_date:
            dates.append(self.labelled("due_date", self.date(doc.due_date)))
        y -= p.paragraph("\n".join(dates), start, width, y, BODY, align="end", dry=dry)
        return top - y

    def party_lines(self, party: dict, address: dict) -> list[str]:
        lines = []
        legal_name = party.get("legal_name", "")
        trade_name = party.get("trade_name", "")
        if trade_name and legal_name and trade_name != legal_name:
            lines.append(legal_name)
        for key in ("line1", "line2"):
            if address.get(key):
                lines.append(address[key])
        city = _join(address.get("postal_code", ""), address.get("city", ""))
        if city:
            lines.append(city)
        if address.get("country"):
            lines.append(country_name(address["country"], self.language))
        return lines

    def identifier_lines(self, identifiers: dict) -> list[str]:
        lines = []
        for scheme, value in (identifiers or {}).items():
            if value:
                label = identifier_label(scheme, self.language)
                separator = "\u00a0: " if self.language == "fr" else ": "
                lines.append(f"{label}{separator}{isolate(str(value))}")
        return lines

    def draw_seller(self, start: float, width: float, top: float, dry: bool) -> float:
        p, seller = self.p, self.doc.seller
        address = {
            "line1": seller.get("address_line1", ""),
            "line2": seller.get("address_line2", ""),
            "postal_code": seller.get("postal_code", ""),
            "city": seller.get("city", ""),
            "country": seller.get("country", ""),
        }
        name = seller.get("trade_name") or seller.get("legal_name", "")
        y = top - p.paragraph(name, start, width, top, 11, bold=True, dry=dry)
        lines = self.party_lines(seller, address)
        for key in ("phone", "email", "website"):
            if seller.get(key):
                lines.append(self.labelled(key, seller[key]))
        lines += self.identifier_lines(seller.get("identifiers", {}))
        y -= p.paragraph("\n".join(lines), start, width, y, BODY, dry=dry)
        return top - y

    def draw_buyer(self, start: float, width: float, top: float, dry: bool) -> float:
        p, buyer = self.p, self.doc.buyer
        pad = 7.0
        inner_start, inner_width = start + pad, width - 2 * pad
        y = top - pad
        y -= p.paragraph(
            self.labels["buyer"], inner_start, inner_width, y, SMALL, color=MUTED, dry=dry
        )
        name = buyer.get("legal_name", "")
        if buyer.get("trade_name") and buyer.get("trade_name") != name:
            name = buyer["trade_name"]
        y -= p.paragraph(name, inner_start, inner_width, y, 10, bold=True, dry=dry)
        lines = self.party_lines(buyer, buyer.get("billing_address") or {})
        lines += self.identifier_lines(buyer.get("identifiers", {}))
        if buyer.get("email"):
            lines.append(self.labelled("email", buyer["email"]))
        if buyer.get("code"):
            lines.append(self.labelled("customer_code", buyer["code"]))
        y -= p.paragraph("\n".join(lines), inner_start, inner_width, y, BODY, dry=dry)
        height = top - y + pad
        if not dry:
            p.box(start, width, top, height)
        return height

    def draw_references(self, top: float, dry: bool) -> float:
        doc = self.doc
        items = []
        if doc.is_credit_note and doc.credited_invoice_number:
            items.append(
                self.labels["credited_invoice"].format(
                    number=isolate(doc.credited_invoice_number),
                    date=isolate(self.date(doc.credited_invoice_date)),
                )
            )
        if doc.purchase_order:
            items.append(self.labelled("purchase_order", doc.purchase_order))
        if doc.delivery_notes:
            items.append(self.labelled("delivery_notes", ", ".join(doc.delivery_notes)))
        if doc.contract:
            items.append(self.labelled("contract", doc.contract))
        items.append(self.labelled("currency", doc.currency))
        pad = 5.0
        text = SEPARATOR.join(items)
        height = self.p.paragraph(text, pad, CONTENT_WIDTH - 2 * pad, top, BODY, dry=True)
        height += 2 * pad
        if not dry:
            self.p.shade(0, CONTENT_WIDTH, top, height)
            self.p.paragraph(text, pad, CONTENT_WIDTH - 2 * pad, top - pad, BODY)
        return height + GAP

    # line table -----------------------------------------------------------------------------
    def table_blocks(self) -> list[Block]:
        table = _LineTable(self)
        blocks = [Block(table.draw_header, table.draw_header(0, True), keep_with_next=True)]
        for row in table.rows:
            blocks.append(Block(row, row(0, True), is_row=True))
        self.table_header = table.draw_header
        return blocks

    # summary --------------------------------------------------------------------------------
    def draw_totals(self, top: float, dry: bool) -> float:
        p, doc = self.p, self.doc
        width = CONTENT_WIDTH * 0.40
        start = CONTENT_WIDTH - width
        rows = [
            (self.labels["total_net"], self.money(doc.total_net), False),
            (self.labels["total_tax"], self.money(doc.total_tax), False),
            (
                self.labels["total_credit" if doc.is_credit_note else "total"],
                self.money(doc.total),
                True,
            ),
        ]
        pad = 5.0
        y = top
        for label, amount, strong in rows:
            size = 10.0 if strong else BODY
            amount_width = p.type.width(amount, size, strong) + 2
            label_width = width - amount_width - 3 * pad
            label_lines = p.type.wrap(label, label_width, size, strong)
            height = len(label_lines) * p.leading(size) + 2 * pad
            if not dry:
                if strong:
                    p.shade(start, width, y, height)
                p.lines(label_lines, start + pad, label_width, y - pad)
                p.lines(
                    [p.type.line(amount, size, strong)],
                    start + width - pad - amount_width,
                    amount_width,
                    y - pad,
                    align="end",
                )
                p.rule(start, width, y - height)
            y -= height
        return top - y

    def draw_tax_breakdown(self, top: float, dry: bool) -> float:
        p, doc = self.p, self.doc
        if not doc.tax_breakdown:
            return 0.0
        width = CONTENT_WIDTH * 0.55
        size = SMALL + 0.3
        headers = [
            self.labels["tax_category"],
            self.labels["tax_rate"],
            self.labels["taxable_amount"],
            self.labels["tax_amount"],
        ]
        cells = [
            [
                f"{row.category} – {tax_category_label(row.category, self.language)}",
                format_rate(row.rate, self.language),
                format_amount(row.taxable_amount, doc.currency, self.language),
                format_amount(row.tax_amount, doc.currency, self.language),
            ]
            for row in doc.tax_breakdown
        ]
        widths = [0.0]
        for column in range(1, 4):
            widest = max(p.type.width(cells_row[column], size) for cells_row in cells)
            header_word = max(p.type.width(word, size, True) for word in headers[column].split())
            widths.append(max(widest, header_word, 36.0) + 2 * CELL_PAD)
        widths[0] = width - sum(widths)
        starts = [sum(widths[:index]) for index in range(4)]
        y = top
        y -= p.paragraph(self.labels["tax_breakdown"], 0, width, y, BODY, bold=True, dry=dry)
        y -= 2
        header_lines = [
            p.type.wrap(h, widths[i] - 2 * CELL_PAD, size, True) for i, h in enumerate(headers)
        ]
        header_height = max(len(lines) for lines in header_lines) * p.leading(size) + 2 * CELL_PAD
        if not dry:
            p.shade(0, width, y, header_height)
            for index, lines in enumerate(header_lines):
                align = "start" if index == 0 else "right"
                p.lines(
                    lines,
                    starts[index] + CELL_PAD,
                    widths[index] - 2 * CELL_PAD,
                    y - CELL_PAD,
                    align=align,
                )
        y -= header_height
        for row, row_cells in zip(doc.tax_breakdown, cells, strict=True):
            first = p.type.wrap(row_cells[0], widths[0] - 2 * CELL_PAD, size)
            reason = (
                p.type.wrap(row.exemption_reason, width - 2 * CELL_PAD, size - 0.4)
                if row.exemption_reason
                else []
            )
            height = len(first) * p.leading(size) + 2 * CELL_PAD
            reason_height = len(reason) * p.leading(size - 0.4)
            if not dry:
                p.lines(first, CELL_PAD, widths[0] - 2 * CELL_PAD, y - CELL_PAD)
                for index in range(1, 4):
                    p.lines(
                        [p.type.line(row_cells[index], size)],
                        starts[index] + CELL_PAD,
                        widths[index] - 2 * CELL_PAD,
                        y - CELL_PAD,
                        align="right",
                    )
                if reason:
                    p.lines(
                        reason, CELL_PAD, width - 2 * CELL_PAD, y - height + CELL_PAD, color=MUTED
                    )
                p.rule(0, width, y - height - reason_height)
            y -= height + reason_height
        return top - y

    def draw_summary(self, top: float, dry: bool) -> float:
        top -= GAP
        return GAP + max(self.draw_tax_breakdown(top, dry), self.draw_totals(top, dry)) + GAP

    def section_blocks(self, title_key: str, text: str, size: float = BODY) -> list[Block]:
        """A titled text, one block per wrapped line so long texts flow across pages."""
        if not text:
            return []
        p = self.p

        def draw_title(top: float, dry: bool) -> float:
            return (
                p.paragraph(self.labels[title_key], 0, CONTENT_WIDTH, top, BODY, bold=True, dry=dry)
                + 1
            )

        blocks = [Block(draw_title, draw_title(0, True), keep_with_next=True)]
        blocks += self.text_blocks(text, size)
        blocks[-1].height += GAP * 0.6
        return blocks

    def text_blocks(self, text: str, size: float, color=None) -> list[Block]:
        p = self.p
        blocks = []
        for line in p.type.wrap(text, CONTENT_WIDTH, size):

            def draw(top: float, dry: bool, line=line) -> float:
                return p.lines(
                    [line], 0, CONTENT_WIDTH, top, color=color or (0.13, 0.13, 0.15), dry=dry
                )

            blocks.append(Block(draw, p.leading(size)))
        return blocks

    def payment_text(self) -> str:
        doc = self.doc
        parts = []
        if doc.due_date and not doc.is_credit_note:
            parts.append(self.labels["pay_by"].format(date=isolate(self.date(doc.due_date))))
        if doc.seller.get("invoice_terms"):
            parts.append(doc.seller["invoice_terms"])
        return "\n".join(parts)

    def bank_text(self) -> str:
        lines = []
        for account in self.doc.seller.get("bank_accounts") or []:
            heading = " — ".join(
                part for part in (account.get("label", ""), account.get("bank_name", "")) if part
            )
            numbers = [self.labelled("iban", group_iban(account.get("iban", "")))]
            if account.get("bic"):
                numbers.append(self.labelled("bic", account["bic"]))
            if heading:
                lines.append(heading)
            lines.append(SEPARATOR.join(numbers))
        return "\n".join(lines)

    def summary_blocks(self) -> list[Block]:
        doc = self.doc
        blocks = [Block(self.draw_summary, self.draw_summary(0, True))]
        if doc.amount_in_words:
            blocks += self.section_blocks("amount_in_words", doc.amount_in_words)
        blocks += self.section_blocks("notes", doc.notes)
        blocks += self.section_blocks("payment", self.payment_text())
        blocks += self.section_blocks("bank_details", self.bank_text())
        for mention in doc.legal_mentions:
            blocks += self.text_blocks(mention, SMALL, MUTED)
        return blocks

    # pagination -----------------------------------------------------------------------------
    def paginate(
        self, blocks: list[Block], footer_height: float
    ) -> list[list[tuple[Block, float]]]:
        bottom = MARGIN_BOTTOM + footer_height + 6
        first_top = (
            PAGE_HEIGHT - MARGIN_TOP - self.draw_first_header(PAGE_HEIGHT - MARGIN_TOP, True)
        )
        next_top = PAGE_HEIGHT - MARGIN_TOP - self.draw_running_header(0, True)
        header = Block(self.table_header, self.table_header(0, True))
        pages: list[list[tuple[Block, float]]] = [[]]
        y = first_top
        for index, block in enumerate(blocks):
            needed = block.height
            if block.keep_with_next and index + 1 < len(blocks):
                needed += blocks[index + 1].height
            if y - needed < bottom and pages[-1]:
                pages.append([])
                y = next_top
                if block.is_row:
                    pages[-1].append((header, y))
                    y -= header.height
            pages[-1].append((block, y))
            y -= block.height
        return pages

    def draw(self) -> None:
        blocks = self.table_blocks() + self.summary_blocks()
        footer_height = self.draw_footer(1, 1, dry=True)
        pages = self.paginate(blocks, footer_height)
        top = PAGE_HEIGHT - MARGIN_TOP
        for number, placed in enumerate(pages, start=1):
            if number == 1:
                self.draw_first_header(top)
            else:
                self.draw_running_header(top)
            for block, y in placed:
                block.draw(y, False)
            self.draw_footer(number, len(pages))
            self.p.end_page()


class _LineTable:
    """The invoice lines: columns sized to their widest figure, descriptions wrapped."""

    def __init__(self, layout: _InvoiceLayout) -> None:
        self.layout = layout
        self.p = layout.p
        doc, language, labels = layout.doc, layout.language, layout.labels
        has_discount = any(line.discount_percent for line in doc.lines)
        self.columns = ["description", "quantity", "unit", "unit_price"]
        if has_discount:
            self.columns.append("discount")
        self.columns += ["tax_rate", "net_amount"]
        self.headers = [labels[column] for column in self.columns]
        self.cells = []
        for line in doc.lines:
            values = {
                "description": line.description,
                "quantity": format_quantity(line.quantity, language),
                "unit": unit_label(line.unit_code, language),
                "unit_price": format_unit_price(line.unit_price, doc.currency, language),
                "discount": format_rate(line.discount_percent, language)
                if line.discount_percent
                else "",
                "tax_rate": format_rate(line.tax_rate, language),
                "net_amount": format_amount(line.net_amount, doc.currency, language),
            }
            self.cells.append([values[column] for column in self.columns])
        self.size = BODY
        while True:
            self.widths = self.measure_widths(self.size)
            if self.widths[0] >= MIN_DESCRIPTION_WIDTH or self.size <= MIN_TABLE_SIZE:
                break
            self.size -= 0.5
        self.starts = [sum(self.widths[:index]) for index in range(len(self.widths))]
        self.rows = [self.row_drawer(cells) for cells in self.cells]

    def measure_widths(self, size: float) -> list[float]:
        measure = self.p.type.width
        widths = [0.0]
        for index in range(1, len(self.columns)):
            widest = max((measure(row[index], size) for row in self.cells), default=0.0)
            word = max(measure(part, size - 0.6, True) for part in self.headers[index].split())
            minimum = MIN_COLUMN_WIDTHS.get(self.columns[index], 0.0) * size / BODY
            widths.append(max(widest + 2 * CELL_PAD, word + 2 * CELL_PAD, minimum))
        widths[0] = CONTENT_WIDTH - sum(widths)
        return widths

    def align(self, index: int) -> str:
        if self.columns[index] == "description":
            return "start"
        if self.columns[index] == "unit":
            return "center"
        return "right"  # figures line up on their last digit in both directions

    def draw_header(self, top: float, dry: bool) -> float:
        p, size = self.p, self.size - 0.6
        wrapped = [
            p.type.wrap(header, self.widths[index] - 2 * CELL_PAD, size, True)
            for index, header in enumerate(self.headers)
        ]
        height = max(len(lines) for lines in wrapped) * p.leading(size) + 2 * CELL_PAD
        if not dry:
            p.shade(0, CONTENT_WIDTH, top, height, fill=SHADE)
            for index, lines in enumerate(wrapped):
                p.lines(
                    lines,
                    self.starts[index] + CELL_PAD,
                    self.widths[index] - 2 * CELL_PAD,
                    top - CELL_PAD,
                    align=self.align(index),
                )
        return height

    def row_drawer(self, cells: list[str]) -> DrawFunction:
        p, size = self.p, self.size
        description = p.type.wrap(cells[0], self.widths[0] - 2 * CELL_PAD, size)
        height = len(description) * p.leading(size) + 2 * CELL_PAD

        def draw(top: float, dry: bool) -> float:
            if dry:
                return height
            p.lines(description, CELL_PAD, self.widths[0] - 2 * CELL_PAD, top - CELL_PAD)
            for index in range(1, len(cells)):
                if cells[index]:
                    p.lines(
                        [p.type.line(cells[index], size)],
                        self.starts[index] + CELL_PAD,
                        self.widths[index] - 2 * CELL_PAD,
                        top - CELL_PAD,
                        align=self.align(index),
                    )
            p.rule(0, CONTENT_WIDTH, top - height, weight=0.4)
            return height

        return draw
