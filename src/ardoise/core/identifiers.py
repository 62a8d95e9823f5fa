"""Legal identifiers of companies and customers (SIREN, SIRET, VAT, NIF, NIS, RC, AI, RCCM...).

`normalize_identifier` turns what a user typed into the one canonical form that is stored,
searched and printed on documents, or raises `InvalidIdentifier` (a ValueError) naming the
scheme and the rule broken. python-stdnum is used wherever it knows the number (checksums
included); the Algerian RC/NIS/AI, Niger NIF and OHADA RCCM are checked by their shape.
Pure functions: no database, no settings beyond translation.
"""

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.es import cif as es_cif
from stdnum.es import nie as es_nie
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.fr import rcs as fr_rcs
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.util import get_cc_module

MAX_FREE_LENGTH = 40
SCHEME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
# Greece uses EL as its VAT prefix, not its ISO code.
VAT_PREFIX = {"GR": "EL"}


class InvalidIdentifier(ValueError):
    """`rule` is a short machine name (length, format, checksum, component, ...)."""

    def __init__(self, scheme: str, rule: str, message: str):
        super().__init__(message)
        self.scheme = scheme
        self.rule = rule
        self.message = message


def _fail(scheme: str, rule: str, explanation: str) -> InvalidIdentifier:
    message = _("%(scheme)s: %(explanation)s (rule: %(rule)s)") % {
        "scheme": scheme.upper(),
        "explanation": explanation,
        "rule": rule,
    }
    return InvalidIdentifier(scheme, rule, message)


def _with_stdnum(scheme: str, validate: Callable[[str], str], value: str) -> str:
    """Run a python-stdnum validator and translate its exceptions into our rules."""
    try:
        return validate(value)
    except stdnum_errors.InvalidChecksum as error:
        raise _fail(scheme, "checksum", _("the check digits do not match")) from error
    except stdnum_errors.InvalidLength as error:
        raise _fail(scheme, "length", _("the number has the wrong length")) from error
    except stdnum_errors.InvalidComponent as error:
        raise _fail(
            scheme, "component", _("a part of the number (e.g. its country) is unknown")
        ) from error
    except stdnum_errors.ValidationError as error:
        raise _fail(scheme, "format", _("the number has an invalid format")) from error


def _siren(country: str, value: str) -> str:
    return _with_stdnum("siren", fr_siren.validate, value)


def _siret(country: str, value: str) -> str:
    return _with_stdnum("siret", fr_siret.validate, value)


def _vat(country: str, value: str) -> str:
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    has_prefix = compact[:2].isalpha()
    if not has_prefix and country:
        prefix = VAT_PREFIX.get(country, country)
        if prefix.lower() in eu_vat.MEMBER_STATES:
            compact = prefix + compact
            has_prefix = True
    if has_prefix and compact[:2].lower() in eu_vat.MEMBER_STATES:
        return _with_stdnum("vat", eu_vat.validate, compact)
    national = _stdnum_module(country, "vat")
    if national is not None:
        return _with_stdnum("vat", national.validate, value)
    return _free("vat", value)


def _fr_rcs(country: str, value: str) -> str:
    """ "RCS Paris B 732 829 320"; the city alone ("Paris") is what a seller may print."""
    if not any(char.isdigit() for char in value):
        return _free("rcs", value)
    if not value.upper().startswith("RCS"):
        value = "RCS " + value
    return fr_rcs.format(_with_stdnum("rcs", fr_rcs.validate, value))


def _es_nif(country: str, value: str) -> str:
    return _with_stdnum("nif", es_nif.validate, value)


def _es_cif(country: str, value: str) -> str:
    return _with_stdnum("cif", es_cif.validate, value)


def _es_nie(country: str, value: str) -> str:
    return _with_stdnum("nie", es_nie.validate, value)


def _digits(scheme: str, value: str, lengths: tuple[int, ...]) -> str:
    compact = re.sub(r"[\s.\-/]", "", value)
    if not compact.isascii() or not compact.isdigit():
        raise _fail(scheme, "format", _("only digits are allowed"))
    if len(compact) not in lengths:
        expected = _(" or ").join(str(n) for n in lengths)
        raise _fail(
            scheme,
            "length",
            _("%(expected)s digits are expected, not %(given)s")
            % {"expected": expected, "given": len(compact)},
        )
    return compact


def _dz_nis(country: str, value: str) -> str:
    return _digits("nis", value, (15,))


def _dz_ai(country: str, value: str) -> str:
    return _digits("ai", value, (11,))


# Algerian trade register: wilaya (2 digits) / 00 - number (7 digits), A (natural person) or
# B (legal entity), year (2 digits): "16/00-0123456B19". Separators are free, the shape is not.
DZ_RC = re.compile(
    r"^(?:RC\s*(?:N[°º]|NO\.|N\.)?\s*:?\s*)?"
    r"(\d{2})\s*[/\-.\s]?\s*(\d{2})\s*[/\-.\s]?\s*(\d{7})\s*[/\-.\s]?\s*([AB])\s*[/\-.\s]?\s*(\d{2})$"
)


def _dz_rc(country: str, value: str) -> str:
    match = DZ_RC.match(value.upper())
    if match is None:
        raise _fail(
            "rc",
            "format",
            _("expected wilaya/00-number (7 digits), A or B, year, e.g. 16/00-0123456B19"),
        )
    wilaya, office, number, kind, year = match.groups()
    return f"{wilaya}/{office}-{number}{kind}{year}"


# OHADA trade and personal property credit register (RCCM). Common shapes:
#   NE-NIM-2019-B-1234            country, city, year, kind, number (unified format)
#   NE-NIA-01-2015-B12-00123      country, city, court office, year, kind + year, number
#   RB/COT/18 B 1234              older format with a 2-digit year
OHADA_RCCM = re.compile(
    r"^(?P<cc>[A-Z]{2})-(?P<city>[A-Z]{2,5})-(?:(?P<court>\d{1,3})-)?(?P<year>\d{4}|\d{2})-"
    r"(?P<kind>[A-Z])-?(?P<kind_year>\d{2})?-(?P<number>\d{1,8})$"
)
RCCM_PREFIX = re.compile(r"^R\.?C\.?C\.?M\.?\s*:?\s*(?:(?:N[°º]|NO\.|N\.)\s*)?:?\s*")


def _rccm(country: str, value: str) -> str:
    upper = RCCM_PREFIX.sub("", value.upper().strip())
    old_style = "/" in upper
    dashed = re.sub(r"[\s/\-._:]+", "-", upper).strip("-")
    # "18B1234" and "B1234" (kind + number) are written without separators too; "B12" is
    # kind + year.
    dashed = re.sub(r"(\d)([A-Z])", r"\1-\2", dashed)
    dashed = re.sub(r"-([A-Z])(\d{3,})$", r"-\1-\2", dashed)
    match = OHADA_RCCM.match(dashed)
    if match is None:
        raise _fail(
            "rccm",
            "format",
            _(
                "expected country-city-year-letter-number, e.g. NE-NIM-2019-B-1234 "
                "or RB/COT/18 B 1234"
            ),
        )
    parts = match.groupdict()
    if old_style and not parts["court"] and not parts["kind_year"] and len(parts["year"]) == 2:
        return f"{parts['cc']}/{parts['city']}/{parts['year']} {parts['kind']} {parts['number']}"
    court = f"{parts['court']}-" if parts["court"] else ""
    kind = parts["kind"] + (parts["kind_year"] or "")
    return f"{parts['cc']}-{parts['city']}-{court}{parts['year']}-{kind}-{parts['number']}"


# Niger tax number: digits, optionally followed by a letter ("4382/R", "4382 R", "4382R").
NE_NIF = re.compile(r"^(\d{3,13})\s*[/\-\s]?\s*([A-Z])?$")


def _ne_nif(country: str, value: str) -> str:
    match = NE_NIF.match(value.upper())
    if match is None:
        raise _fail("nif", "format", _("expected digits, optionally followed by a letter"))
    digits, letter = match.groups()
    return f"{digits}/{letter}" if letter else digits


def _free(scheme: str, value: str) -> str:
    value = " ".join(value.split())
    if len(value) > MAX_FREE_LENGTH:
        raise _fail(
            scheme,
            "max_length",
            _("at most %(max)s characters are allowed") % {"max": MAX_FREE_LENGTH},
        )
    if not value.isprintable():
        raise _fail(scheme, "printable", _("only printable characters are allowed"))
    return value


def _stdnum_module(country: str, scheme: str):
    """python-stdnum's module for this country's scheme (e.g. pt.nif), if it has one."""
    if not re.fullmatch(r"[A-Z]{2}", country or "") or not SCHEME_PATTERN.match(scheme):
        return None
    try:
        module = get_cc_module(country.lower(), scheme)
    except (ImportError, ValueError):
        return None
    if module is None or not callable(getattr(module, "validate", None)):
        return None
    return module


# (country or "*" for any, scheme) -> normalizer
RULES: dict[tuple[str, str], Callable[[str, str], str]] = {
    ("*", "siren"): _siren,
    ("*", "siret"): _siret,
    ("*", "vat"): _vat,
    ("*", "rccm"): _rccm,
    ("FR", "rcs"): _fr_rcs,
    ("ES", "nif"): _es_nif,
    ("ES", "cif"): _es_cif,
    ("ES", "nie"): _es_nie,
    ("DZ", "nis"): _dz_nis,
    ("DZ", "rc"): _dz_rc,
    ("DZ", "ai"): _dz_ai,
    ("NE", "nif"): _ne_nif,
}


def normalize_identifier(country: str, scheme: str, value: str) -> str:
    """The canonical form of a legal identifier, or InvalidIdentifier (a ValueError)."""
    country = (country or "").strip().upper()
    scheme = (scheme or "").strip().lower()
    if not SCHEME_PATTERN.match(scheme):
        raise _fail(scheme or "?", "scheme", _("unknown identifier scheme name"))
    if not isinstance(value, str):
        raise _fail(scheme, "type", _("the value must be text"))
    value = value.strip()
    if not value:
        raise _fail(scheme, "required", _("the value is empty"))
    rule = RULES.get((country, scheme)) or RULES.get(("*", scheme))
    if rule is not None:
        return rule(country, value)
    module = _stdnum_module(country, scheme)
    if module is not None:
        return _with_stdnum(scheme, module.validate, value)
    return _free(scheme, value)
