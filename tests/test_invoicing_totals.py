"""Invoice totals per EN 16931: line nets rounded first, VAT rounded once per (category, rate)
group, total = net + VAT. Worked examples computed by hand, then properties for any lines."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ardoise.core.money import quantize
from ardoise.invoicing.totals import (
    LineInput,
    TaxSubtotal,
    Totals,
    TotalsInputError,
    compute_totals,
)

D = Decimal


def line(qty, price, discount="0", category="S", rate="20", reason=""):
    return LineInput(D(qty), D(price), D(discount), category, D(rate), reason)


# ------------------------------------------------------------------ worked examples


def test_french_invoice_with_discounts_at_20_and_5_5_and_an_exempt_line():
    lines = [
        # 3 × 19.99 × (1 − 10 %) = 53.973 -> 53.97
        line("3", "19.99", "10"),
        # 2.5 × 80 = 200.00
        line("2.5", "80"),
        # 7 × 1.15 × (1 − 12.5 %) = 7.04375 -> 7.04
        line("7", "1.15", "12.5", rate="5.5"),
        # 1 × 150 = 150.00, exempt (art. 261 CGI)
        line("1", "150", category="E", rate="0", reason="Exonération art. 261 4 4° CGI"),
    ]
    totals = compute_totals(lines, "EUR")
    assert totals.lines_net == (D("53.97"), D("200.00"), D("7.04"), D("150.00"))
    # groups sorted by (category, rate): E 0, S 5.5, S 20
    assert totals.tax_breakdown == (
        TaxSubtotal("E", D("0"), D("150.00"), D("0.00"), "Exonération art. 261 4 4° CGI"),
        # 7.04 × 5.5 % = 0.3872 -> 0.39
        TaxSubtotal("S", D("5.5"), D("7.04"), D("0.39")),
        # 253.97 × 20 % = 50.794 -> 50.79
        TaxSubtotal("S", D("20"), D("253.97"), D("50.79")),
    )
    assert totals.total_net == D("411.01")
    assert totals.total_tax == D("51.18")
    assert totals.total == D("462.19")


def test_tax_is_rounded_per_group_not_per_line():
    # Three lines of 0.33 at 20 %: per line 0.066 -> 0.07 each (0.21), per group
    # 0.99 × 20 % = 0.198 -> 0.20. EN 16931 wants 0.20.
    totals = compute_totals([line("1", "0.33")] * 3, "EUR")
    assert totals.total_tax == D("0.20")
    assert totals.total == D("1.19")


def test_xof_has_no_decimals():
    # 3 × 1 333.5 = 4 000.5 -> 4 001 (half up); 18 % of 4 001 = 720.18 -> 720
    totals = compute_totals([line("3", "1333.5", rate="18")], "XOF")
    assert totals.lines_net == (D("4001"),)
    assert totals.total_tax == D("720")
    assert totals.total == D("4721")


def test_tnd_has_three_decimals():
    # 2 × 10.1235 = 20.247; 19 % -> 3.84693 -> 3.847
    totals = compute_totals([line("2", "10.1235", rate="19")], "TND")
    assert totals.lines_net == (D("20.247"),)
    assert totals.total_tax == D("3.847")
    assert totals.total == D("24.094")


def test_half_up_rounding_on_the_line():
    # 1 × 0.125 = 0.125 -> 0.13 (half up, not banker's 0.12)
    assert compute_totals([line("1", "0.125", rate="0", category="Z")], "EUR").total == D("0.13")


def test_full_discount_gives_zero_line():
    assert compute_totals([line("4", "10", "100")], "EUR").total == D("0.00")


def test_no_lines_is_zero():
    totals = compute_totals([], "EUR")
    assert (totals.total_net, totals.total_tax, totals.total) == (0, 0, 0)
    assert totals.tax_breakdown == ()


# ------------------------------------------------------------------ input rules


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"qty": "0"}, "quantity", "non_zero"),
        ({"qty": "1000000001"}, "quantity", "max_value"),
        ({"qty": "1E+20"}, "quantity", "max_value"),
        ({"qty": "1.00001"}, "quantity", "max_decimal_places"),
        ({"price": "-1"}, "unit_price", "min_value"),
        ({"price": "1000000000001"}, "unit_price", "max_value"),
        ({"price": "0.00001"}, "unit_price", "max_decimal_places"),
        ({"discount": "101"}, "discount_percent", "range"),
        ({"discount": "-1"}, "discount_percent", "range"),
        ({"rate": "100.5"}, "tax_rate", "range"),
    ],
)
def test_inputs_out_of_bounds_are_refused_naming_the_rule(kwargs, field, rule):
    values = {"qty": "1", "price": "10", "discount": "0", "rate": "20"} | kwargs
    with pytest.raises(TotalsInputError) as caught:
        line(values["qty"], values["price"], values["discount"], rate=values["rate"])
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert field.split("_")[0] in str(caught.value)


def test_floats_are_refused():
    with pytest.raises(TotalsInputError, match="Decimal"):
        LineInput(1.5, D("1"), D("0"), "S", D("20"))


def test_trailing_zeros_do_not_count_as_decimals():
    assert line("1.500000", "2.00000").quantity == D("1.5")


def test_amount_beyond_storage_is_refused():
    with pytest.raises(TotalsInputError) as caught:
        compute_totals([line("1000000000", "1000000000000")], "EUR")
    assert caught.value.rule == "amount_too_large"
    assert caught.value.index == 0


def test_unknown_currency_is_refused():
    with pytest.raises(ValueError, match="unknown currency"):
        compute_totals([line("1", "1")], "XXZ")


def test_broken_totals_cannot_exist():
    group = TaxSubtotal("S", D("20"), D("10.00"), D("2.00"))
    with pytest.raises(ValueError, match="net \\+ tax"):
        Totals((D("10.00"),), (group,), D("10.00"), D("2.00"), D("12.01"))
    with pytest.raises(ValueError, match="group taxes"):
        Totals((D("10.00"),), (group,), D("10.00"), D("2.01"), D("12.01"))
    with pytest.raises(ValueError, match="line nets"):
        Totals((D("9.00"),), (group,), D("10.00"), D("2.00"), D("12.00"))


# ------------------------------------------------------------------ properties

CURRENCIES = ["EUR", "XOF", "TND"]
RATES = [D("0"), D("5.5"), D("7"), D("10"), D("18"), D("19"), D("20"), D("21")]

quantities = st.decimals(
    min_value=D("-1000"), max_value=D("100000"), places=4, allow_nan=False
).filter(lambda q: q != 0)
prices = st.decimals(min_value=D("0"), max_value=D("1000000"), places=4, allow_nan=False)
discounts = st.decimals(min_value=D("0"), max_value=D("100"), places=2, allow_nan=False)
line_inputs = st.builds(
    LineInput,
    quantity=quantities,
    unit_price=prices,
    discount_percent=discounts,
    tax_category=st.sampled_from(["S", "Z", "E"]),
    tax_rate=st.sampled_from(RATES),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line_inputs, max_size=12), currency=st.sampled_from(CURRENCIES))
def test_totals_follow_en16931(lines, currency):
    totals = compute_totals(lines, currency)
    assert totals.total_net == sum(totals.lines_net, D(0))
    for line_input, net in zip(lines, totals.lines_net, strict=True):
        expected = quantize(
            line_input.quantity * line_input.unit_price * (100 - line_input.discount_percent) / 100,
            currency,
        )
        assert net == expected
    for group in totals.tax_breakdown:
        members = [
            net
            for line_input, net in zip(lines, totals.lines_net, strict=True)
            if (line_input.tax_category, line_input.tax_rate) == (group.category, group.rate)
        ]
        assert group.taxable_amount == sum(members, D(0))
        assert group.tax_amount == quantize(group.taxable_amount * group.rate / 100, currency)
    assert totals.total_tax == sum((g.tax_amount for g in totals.tax_breakdown), D(0))
    assert totals.total == totals.total_net + totals.total_tax
    for amount in (totals.total_net, totals.total_tax, totals.total, *totals.lines_net):
        assert amount == quantize(amount, currency)
        assert -amount.as_tuple().exponent <= 3


@settings(max_examples=100, deadline=None)
@given(data=st.data(), currency=st.sampled_from(CURRENCIES))
def test_order_of_lines_does_not_change_totals(data, currency):
    lines = data.draw(st.lists(line_inputs, min_size=1, max_size=10))
    shuffled = data.draw(st.permutations(lines))
    first, second = compute_totals(lines, currency), compute_totals(shuffled, currency)
    assert first.tax_breakdown == second.tax_breakdown
    assert (first.total_net, first.total_tax, first.total) == (
        second.total_net,
        second.total_tax,
        second.total,
    )
