"""The customer statement as a PDF in the customer's language (fr, en, es, ar right to left).

Built like the receipt on the invoice PDF's fonts, bidirectional typesetter and painter, so
Arabic is shaped and mirrored the same way. Blocks are measured first and placed on pages,
so each page can say "page X / Y"; a table's header is repeated on the pages it continues on.
The same statement always gives the same bytes (reportlab's invariant mode, the PDF dates
fixed to the end of the period).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ardoise.core.formatting import babel_locale, format_amount, format_money
from ardoise.invoicing.pdf.canvas import write_pdf
from ardoise.invoicing.pdf.formatting import format_date
from ardoise.invoicing.pdf.labels import SUPPORTED_LANGUAGES
from ardoise.invoicing.pdf.painter import (
    CONTENT_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MUTED,
    PAGE_HEIGHT,
    Painter,
)
from ardoise.invoicing.pdf.text import isolate

from .statements import Statement

BODY, SMALL, TITLE = 8.5, 7.2, 18.0
PAD = 3.0
GAP = 12.0
_ONE_DAY = datetime.timedelta(days=1)

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Relevé de compte",
        "period": "Période du {start} au {end}",
        "seller": "Émis par",
        "customer": "Client",
        "currency": "Devise",
        "opening": "Solde au {date}",
        "closing": "Solde au {date}",
        "unapplied": "Crédit non affecté",
        "movements": "Mouvements de la période",
        "open_items": "Pièces non soldées au {date}",
        "aging": "Balance âgée au {date}",
        "date": "Date",
        "kind": "Type",
        "reference": "Référence",
        "debit": "Débit",
        "credit": "Crédit",
        "balance": "Solde",
        "due_date": "Échéance",
        "age": "Retard (j)",
        "residual": "Reste dû",
        "totals": "Totaux de la période",
        "none": "Aucune",
        "not_due": "Non échu",
        "days": "{range} j",
        "over": "> {days} j",
        "total": "Total",
        "page": "Page {page} / {pages}",
    },
    "en": {
        "title": "Statement of account",
        "period": "Period from {start} to {end}",
        "seller": "Issued by",
        "customer": "Customer",
        "currency": "Currency",
        "opening": "Balance at {date}",
        "closing": "Balance at {date}",
        "unapplied": "Unapplied credit",
        "movements": "Movements in the period",
        "open_items": "Open items at {date}",
        "aging": "Aged balance at {date}",
        "date": "Date",
        "kind": "Type",
        "reference": "Reference",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "due_date": "Due date",
        "age": "Days overdue",
        "residual": "Outstanding",
        "totals": "Period totals",
        "none": "None",
        "not_due": "Not due",
        "days": "{range} days",
        "over": "> {days} days",
        "total": "Total",
        "page": "Page {page} of {pages}",
    },
    "es": {
        "title": "Extracto de cuenta",
        "period": "Periodo del {start} al {end}",
        "seller": "Emitido por",
        "customer": "Cliente",
        "currency": "Moneda",
        "opening": "Saldo al {date}",
        "closing": "Saldo al {date}",
        "unapplied": "Crédito no aplicado",
        "movements": "Movimientos del periodo",
        "open_items": "Partidas pendientes al {date}",
        "aging": "Antigüedad de saldos al {date}",
        "date": "Fecha",
        "kind": "Tipo",
        "reference": "Referencia",
        "debit": "Debe",
        "credit": "Haber",
        "balance": "Saldo",
        "due_date": "Vencimiento",
        "age": "Días de retraso",
        "residual": "Pendiente",
        "totals": "Totales del periodo",
        "none": "Ninguna",
        "not_due": "No vencido",
        "days": "{range} días",
        "over": "> {days} días",
        "total": "Total",
        "page": "Página {page} de {pages}",
    },
    "ar": {
        "title": "كشف حساب",
        "period": "الفترة من {start} إلى {end}",
        "seller": "صادر عن",
        "customer": "العميل",
        "currency": "العملة",
        "opening": "الرصيد في {date}",
        "closing": "الرصيد في {date}",
        "unapplied": "رصيد دائن غير مخصص",
        "movements": "حركات الفترة",
        "open_items": "القيود المفتوحة في {date}",
        "aging": "أعمار الديون في {date}",
        "date": "التاريخ",
        "kind": "النوع",
        "reference": "المرجع",
        "debit": "مدين",
        "credit": "دائن",
        "balance": "الرصيد",
        "due_date": "تاريخ الاستحقاق",
        "age": "أيام التأخير",
        "residual": "المتبقي",
        "totals": "مجاميع الفترة",
        "none": "لا توجد",
        "not_due": "غير مستحق",
        "days": "{range} يومًا",
        "over": "أكثر من {days} يومًا",
        "total": "المجموع",
        "page": "صفحة {page} من {pages}",
    },
}

KINDS: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "Facture",
        "credit_note": "Avoir",
        "payment": "Règlement",
        "refund": "Remboursement",
        "fee": "Frais",
        "write_off": "Passage en perte",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "payment": "Payment",
        "refund": "Refund",
        "fee": "Fee",
        "write_off": "Write-off",
    },
    "es": {
        "invoice": "Factura",
        "credit_note": "Abono",
        "payment": "Cobro",
        "refund": "Reembolso",
        "fee": "Gastos",
        "write_off": "Ajuste",
    },
    "ar": {
        "invoice": "فاتورة",
        "credit_note": "إشعار دائن",
        "payment": "دفعة",
        "refund": "استرداد",
        "fee": "رسوم",
        "write_off": "شطب",
    },
}

DrawFunction = Callable[[float, bool], float]


@dataclass(frozen=True, slots=True)
class _Block:
    draw: DrawFunction
    height: float
    header: _Block | None = None  # repeated at the top of a page this block starts
    keep_with_next: int = 0  # how many following blocks must stay on the same page


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    width: float
    align: str = "start"


MOVEMENT_COLUMNS = (
    _Column("date", 72),
    _Column("kind", 78),
    _Column("reference", 140),
    _Column("debit", 75, "end"),
    _Column("credit", 75, "end"),
    _Column("balance", 75.28, "end"),
)
OPEN_ITEM_COLUMNS = (
    _Column("date", 72),
    _Column("kind", 78),
    _Column("reference", 140),
    _Column("due_date", 72),
    _Column("age", 63, "end"),
    _Column("residual", 90.28, "end"),
)


def statement_language(language: str | None) -> str:
    short = (language or "fr")[:2].lower()
    return short if short in SUPPORTED_LANGUAGES and short in LABELS else "fr"


class _Layout:
    def __init__(self, statement: Statement, painter: Painter, language: str) -> None:
        self.s, self.p = statement, painter
        self.language = language
        self.labels, self.kinds = LABELS[language], KINDS[language]
        self.locale = babel_locale(language)

    # formatting -----------------------------------------------------------------------
    def money(self, amount: Decimal) -> str:
        return isolate(format_money(amount, self.s.currency, self.locale))

    def amount(self, amount: Decimal | None) -> str:
        if amount is None or amount == 0:
            return ""
        return isolate(format_amount(amount, self.s.currency, self.locale))

    def signed(self, amount: Decimal) -> str:
        return isolate(format_amount(amount, self.s.currency, self.locale))

    def date(self, value) -> str:
        return format_date(value, self.locale) if value else ""

    def short_date(self, value) -> str:
        return isolate(value.strftime("%d/%m/%Y")) if value else ""

    # building blocks --------------------------------------------------------------------
    def text_block(self, text: str, size: float = BODY, *, bold=False, color=None, after=0.0):
        extra = {"color": color} if color else {}

        def draw(top: float, dry: bool) -> float:
            used = self.p.paragraph(text, 0, CONTENT_WIDTH, top, size, bold=bold, dry=dry, **extra)
            return used + after

        return _Block(draw, draw(0, True))

    def row_block(
        self,
        columns: Sequence[_Column],
        cells: Sequence[str],
        *,
        bold: bool = False,
        shade: bool = False,
        header: _Block | None = None,
        color=None,
    ) -> _Block:
        extra = {"color": color} if color else {}

        def draw(top: float, dry: bool) -> float:
            height, start = 0.0, 0.0
            for column, cell in zip(columns, cells, strict=True):
                used = self.p.paragraph(
                    cell,
                    start + PAD,
                    column.width - 2 * PAD,
                    top - PAD,
                    SMALL if header is None and shade else BODY,
                    bold=bold,
                    align=column.align,
                    dry=True,
                )
                height = max(height, used)
                start += column.width
            height += 2 * PAD
            if dry:
                return height
            if shade:
                self.p.shade(0, CONTENT_WIDTH, top, height)
            start = 0.0
            for column, cell in zip(columns, cells, strict=True):
                self.p.paragraph(
                    cell,
                    start + PAD,
                    column.width - 2 * PAD,
                    top - PAD,
                    SMALL if header is None and shade else BODY,
                    bold=bold,
                    align=column.align,
                    **extra,
                )
                start += column.width
            if not shade:
                self.p.rule(0, CONTENT_WIDTH, top - height, weight=0.3)
            return height

        return _Block(draw, draw(0, True), header)

    def header_block(self, columns: Sequence[_Column]) -> _Block:
        return self.row_block(
            columns, [self.labels[c.key] for c in columns], bold=True, shade=True, color=MUTED
        )

    def gap(self, height: float = GAP) -> _Block:
        return _Block(lambda _top, _dry: height, height)

    # sections ---------------------------------------------------------------------------
    def parties(self, top: float, dry: bool) -> float:
        s, p, half = self.s, self.p, CONTENT_WIDTH / 2 - 10
        heights = []
        for start, label, party in (
            (0.0, "seller", s.seller),
            (half + 20, "customer", s.customer),
        ):
            used = p.paragraph(self.labels[label], start, half, top, SMALL, color=MUTED, dry=dry)
            used += p.paragraph(party.name, start, half, top - used, BODY, bold=True, dry=dry)
            used += p.paragraph("\n".join(party.lines), start, half, top - used, BODY, dry=dry)
            heights.append(used)
        return max(heights) + GAP

    def heading(self) -> list[_Block]:
        s, labels = self.s, self.labels
        period = labels["period"].format(start=self.date(s.date_from), end=self.date(s.date_to))
        currency = f"{labels['currency']} {isolate(s.currency)}"
        return [
            self.text_block(labels["title"], TITLE, bold=True, after=4),
            self.text_block(period, BODY + 1.5, bold=True, after=2),
            self.text_block(currency, BODY, color=MUTED, after=GAP),
            _Block(self.parties, self.parties(0, True)),
        ]

    def summary(self) -> list[_Block]:
        s, labels = self.s, self.labels
        columns = (_Column("label", CONTENT_WIDTH - 150), _Column("value", 150, "end"))
        opening_date = self.date(s.date_from - _ONE_DAY)
        rows = [
            (labels["opening"].format(date=opening_date), self.money(s.opening_balance), False),
            (
                labels["closing"].format(date=self.date(s.date_to)),
                self.money(s.closing_balance),
                True,
            ),
        ]
        if s.unapplied_credit:
            rows.append((labels["unapplied"], self.money(s.unapplied_credit), False))
        return [
            self.row_block(columns, [label, value], bold=bold) for label, value, bold in rows
        ] + [self.gap()]

    def movements(self) -> list[_Block]:
        s, labels = self.s, self.labels
        header = self.header_block(MOVEMENT_COLUMNS)
        opening = labels["opening"].format(date=self.short_date(s.date_from - _ONE_DAY))
        blocks = [
            self.text_block(labels["movements"], BODY + 1.5, bold=True, after=4),
            header,
            self.row_block(
                MOVEMENT_COLUMNS, ["", "", opening, "", "", self.signed(s.opening_balance)]
            ),
        ]
        blocks[0] = _Block(blocks[0].draw, blocks[0].height, keep_with_next=2)
        for m in s.movements:
            cells = [
                self.short_date(m.date),
                self.kinds.get(m.kind, m.kind),
                isolate(m.reference),
                self.amount(m.debit),
                self.amount(m.credit),
                self.signed(m.balance),
            ]
            blocks.append(self.row_block(MOVEMENT_COLUMNS, cells, header=header))
        totals = [
            "",
            "",
            labels["totals"],
            self.signed(s.total_debit),
            self.signed(s.total_credit),
            self.signed(s.closing_balance),
        ]
        blocks.append(self.row_block(MOVEMENT_COLUMNS, totals, bold=True, header=header))
        return [*blocks, self.gap()]

    def open_items(self) -> list[_Block]:
        s, labels = self.s, self.labels
        title = labels["open_items"].format(date=self.date(s.date_to))
        header = self.header_block(OPEN_ITEM_COLUMNS)
        if not s.open_items:
            return [
                self.text_block(title, BODY + 1.5, bold=True, after=4),
                self.text_block(labels["none"], color=MUTED, after=GAP),
            ]
        blocks = [
            _Block(*self._title(title), keep_with_next=2),
            header,
        ]
        for item in s.open_items:
            cells = [
                self.short_date(item.document_date),
                self.kinds.get(item.kind, item.kind),
                isolate(item.reference),
                self.short_date(item.due_date),
                isolate(str(item.days_overdue)) if item.days_overdue else "",
                self.signed(item.residual),
            ]
            blocks.append(self.row_block(OPEN_ITEM_COLUMNS, cells, header=header))
        totals = ["", "", labels["total"], "", "", self.signed(s.closing_balance)]
        blocks.append(self.row_block(OPEN_ITEM_COLUMNS, totals, bold=True, header=header))
        return [*blocks, self.gap()]

    def _title(self, text: str) -> tuple[DrawFunction, float]:
        block = self.text_block(text, BODY + 1.5, bold=True, after=4)
        return block.draw, block.height

    def bucket_label(self, label: str) -> str:
        labels = self.labels
        if label == "not_due":
            return labels["not_due"]
        if label == "unapplied":
            return labels["unapplied"]
        if label.startswith(">"):
            return labels["over"].format(days=isolate(label[1:]))
        low, high = label.split("-")
        return labels["days"].format(range=isolate(f"{low}–{high}"))

    def aging(self) -> list[_Block]:
        s, labels = self.s, self.labels
        count = len(s.aging.labels) + 1
        width = CONTENT_WIDTH / count
        columns = tuple(_Column(str(i), width, "end") for i in range(count))
        heads = [self.bucket_label(label) for label in s.aging.labels] + [labels["total"]]
        values = [self.signed(amount) for amount in s.aging.amounts]
        values.append(self.signed(s.aging.total))
        title = labels["aging"].format(date=self.date(s.date_to))
        return [
            _Block(*self._title(title), keep_with_next=2),
            self.row_block(columns, heads, bold=True, shade=True, color=MUTED),
            self.row_block(columns, values, bold=True),
        ]

    # pages --------------------------------------------------------------------------------
    def draw_footer(self, page: int, pages: int) -> None:
        p, top = self.p, MARGIN_BOTTOM + p_leading(self.p)
        p.rule(0, CONTENT_WIDTH, top + 4)
        name = f"{self.s.seller.name} · {self.labels['title']} · {isolate(self.s.customer_code)}"
        p.paragraph(name, 0, CONTENT_WIDTH - 110, top, SMALL, color=MUTED)
        label = self.labels["page"].format(page=page, pages=pages)
        p.paragraph(label, CONTENT_WIDTH - 110, 110, top, SMALL, align="end", color=MUTED)

    def paginate(self, blocks: list[_Block]) -> list[list[tuple[_Block, float]]]:
        bottom = MARGIN_BOTTOM + p_leading(self.p) + 12
        first = PAGE_HEIGHT - MARGIN_TOP
        pages: list[list[tuple[_Block, float]]] = [[]]
        y = first
        for index, block in enumerate(blocks):
            following = blocks[index + 1 : index + 1 + block.keep_with_next]
            needed = block.height + sum(b.height for b in following)
            if y - needed < bottom and pages[-1]:
                pages.append([])
                y = first
                if block.header is not None:
                    pages[-1].append((block.header, y))
                    y -= block.header.height
            pages[-1].append((block, y))
            y -= block.height
        return pages

    def draw(self) -> None:
        blocks = [
            *self.heading(),
            *self.summary(),
            *self.movements(),
            *self.open_items(),
            *self.aging(),
        ]
        pages = self.paginate(blocks)
        for number, placed in enumerate(pages, start=1):
            for block, y in placed:
                block.draw(y, False)
            self.draw_footer(number, len(pages))
            self.p.end_page()


def p_leading(painter: Painter) -> float:
    return painter.leading(SMALL)


def render_statement(statement: Statement, language: str | None = None) -> bytes:
    """The statement's PDF; the same statement always gives the same bytes."""
    language = statement_language(language or statement.language)
    return write_pdf(
        lambda painter: _Layout(statement, painter, language).draw(),
        language=language,
        title=f"{LABELS[language]['title']} {statement.customer_code}",
        author=statement.seller.name,
        date=statement.date_to,
    )
