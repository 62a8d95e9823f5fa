"""Legal identifiers: what a clerk types becomes one canonical value, or a clear refusal."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from ardoise.core.identifiers import InvalidIdentifier, normalize_identifier

VALID = [
    ("FR", "siren", "732 829 320", "732829320"),
    ("FR", "siret", "732 829 320 00074", "73282932000074"),
    ("FR", "vat", "FR 44 732 829 320", "FR44732829320"),
    ("FR", "vat", "44732829320", "FR44732829320"),
    ("ES", "vat", "ESB58378431", "ESB58378431"),
    ("ES", "vat", "B-58378431", "ESB58378431"),
    ("DE", "vat", "de 136 695 976", "DE136695976"),
    ("ES", "nif", "12345678-z", "12345678Z"),
    ("ES", "nif", "B58378431", "B58378431"),
    ("ES", "cif", "B 58378431", "B58378431"),
    ("ES", "nie", "X-2482300-W", "X2482300W"),
    ("DZ", "nif", "408 020 000 150 039", "408020000150039"),
    ("DZ", "nif", "41201600000606600001", "41201600000606600001"),
    ("DZ", "nis", "0987 1601 0012 345", "098716010012345"),
    ("DZ", "rc", "16/00-0123456B19", "16/00-0123456B19"),
    ("DZ", "rc", "RC 16 / 00 - 0123456 B 19", "16/00-0123456B19"),
    ("DZ", "rc", "31/00 0012345a05", "31/00-0012345A05"),
    ("DZ", "ai", "16011234567", "16011234567"),
    ("NE", "rccm", "NE-NIM-2019-B-1234", "NE-NIM-2019-B-1234"),
    ("NE", "rccm", "RCCM NE-NIA-01-2015-B12-00123", "NE-NIA-01-2015-B12-00123"),
    ("NE", "rccm", "RCCM N° ne nim 2019 b 1234", "NE-NIM-2019-B-1234"),
    ("NE", "rccm", "NE-NIM-2019-B1234", "NE-NIM-2019-B-1234"),
    ("BJ", "rccm", "RB/COT/18 B 1234", "RB/COT/18 B 1234"),
    ("BJ", "rccm", "RB/COT/18B1234", "RB/COT/18 B 1234"),
    ("CI", "rccm", "CI-ABJ-03-2021-B13-01234", "CI-ABJ-03-2021-B13-01234"),
    ("NE", "nif", "4382/R", "4382/R"),
    ("NE", "nif", "4382 r", "4382/R"),
    ("NE", "nif", "123456", "123456"),
    ("FR", "rcs", "Paris B 732 829 320", "RCS Paris B 732 829 320"),
    ("FR", "rcs", "Paris", "Paris"),
    ("NE", "cnss", "  0012345  2G3 ", "0012345 2G3"),
]

INVALID = [
    ("FR", "siren", "732829321", "checksum"),
    ("FR", "siren", "73282932", "length"),
    ("FR", "siret", "73282932000075", "checksum"),
    ("FR", "vat", "FR00732829320", "checksum"),
    ("ES", "vat", "ESB58378432", "checksum"),
    ("ES", "nif", "12345678A", "checksum"),
    ("ES", "cif", "B58378432", "checksum"),
    ("ES", "nie", "X2482300A", "checksum"),
    ("DZ", "nif", "12345", "length"),
    ("DZ", "nif", "X1600100000000V", "format"),
    ("DZ", "nis", "09871601001234", "length"),
    ("DZ", "nis", "09871601001234X", "format"),
    ("DZ", "rc", "16/00-012345B19", "format"),
    ("DZ", "rc", "16/00-0123456C19", "format"),
    ("DZ", "rc", "hello", "format"),
    ("DZ", "ai", "1601123456", "length"),
    ("NE", "rccm", "NE-2019-B-1234", "format"),
    ("NE", "rccm", "NE-NIM-B-1234", "format"),
    ("NE", "rccm", "NE-NIM-2019-1234", "format"),
    ("NE", "nif", "R4382", "format"),
    ("NE", "nif", "4382/RR", "format"),
    ("NE", "cnss", "x" * 41, "max_length"),
    ("NE", "cnss", "12\x0034", "printable"),
    ("FR", "siren", "   ", "required"),
    ("FR", "bad scheme", "1", "scheme"),
]


@pytest.mark.parametrize(("country", "scheme", "value", "expected"), VALID)
def test_valid_identifiers_are_normalized(country, scheme, value, expected):
    assert normalize_identifier(country, scheme, value) == expected


@pytest.mark.parametrize(("country", "scheme", "value", "expected"), VALID)
def test_normalization_is_idempotent(country, scheme, value, expected):
    assert normalize_identifier(country, scheme, expected) == expected


@pytest.mark.parametrize(("country", "scheme", "value", "rule"), INVALID)
def test_invalid_identifiers_name_scheme_and_rule(country, scheme, value, rule):
    with pytest.raises(ValueError) as raised:
        normalize_identifier(country, scheme, value)
    error = raised.value
    assert isinstance(error, InvalidIdentifier)
    assert error.rule == rule
    assert f"rule: {rule}" in str(error)
    if rule != "scheme":
        assert scheme.upper() in str(error)


def test_scheme_and_country_are_case_insensitive():
    assert normalize_identifier("fr", "SIREN", "732829320") == "732829320"


@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_any_siren_with_its_check_digit_is_accepted(number):
    body = f"{number:08d}"
    siren = body + luhn.calc_check_digit(body)
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    assert normalize_identifier("FR", "siren", spaced) == siren


@given(st.integers(min_value=0, max_value=10**8 - 1), st.integers(min_value=1, max_value=9))
def test_a_wrong_siren_check_digit_is_refused(number, shift):
    body = f"{number:08d}"
    wrong = (int(luhn.calc_check_digit(body)) + shift) % 10
    with pytest.raises(InvalidIdentifier) as raised:
        normalize_identifier("FR", "siren", f"{body}{wrong}")
    assert raised.value.rule == "checksum"


@given(st.text(max_size=60))
def test_any_text_is_normalized_or_refused_with_a_value_error(text):
    for country, scheme in [("DZ", "rc"), ("NE", "rccm"), ("NE", "nif"), ("XX", "free")]:
        try:
            result = normalize_identifier(country, scheme, text)
        except ValueError:
            continue
        assert result == normalize_identifier(country, scheme, result)
        assert 0 < len(result) <= 40


@given(
    st.from_regex(r"\A[0-9]{2}/00-[0-9]{7}[AB][0-9]{2}\Z", fullmatch=True),
    st.sampled_from(["", " ", "  "]),
)
def test_algerian_rc_tolerates_spaces_between_parts(rc, space):
    spaced = rc.replace("/", f"{space}/{space}").replace("-", f"{space}-{space}")
    assert normalize_identifier("DZ", "rc", spaced) == rc
