"""Units of measure: the UN/ECE Recommendation 20 codes (with Rec 21 "X" packaging codes) that
invoices carry in EN 16931 (BT-130), with their labels in the document languages.

Only the common units are listed; a product may use no other, so every invoice line has a
unit that e-invoicing formats (Factur-X, UBL) accept.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    en: str
    fr: str
    es: str
    ar: str

    def label(self, language: str) -> str:
        return getattr(self, language[:2], None) or self.en


UNITS: dict[str, Unit] = {
    unit.code: unit
    for unit in (
        Unit("C62", "unit", "unité", "unidad", "وحدة"),
        Unit("H87", "piece", "pièce", "pieza", "قطعة"),
        Unit("EA", "each", "chaque", "cada uno", "كل"),
        Unit("SET", "set", "lot", "juego", "مجموعة"),
        Unit("PR", "pair", "paire", "par", "زوج"),
        Unit("XBX", "box", "boîte", "caja", "علبة"),
        Unit("XPK", "package", "paquet", "paquete", "رزمة"),
        Unit("XPA", "packet", "sachet", "bolsa", "كيس"),
        Unit("XPX", "pallet", "palette", "palé", "منصة نقالة"),
        Unit("E48", "service unit", "unité de service", "unidad de servicio", "وحدة خدمة"),
        Unit("LS", "lump sum", "forfait", "tanto alzado", "مبلغ إجمالي"),
        Unit("SEC", "second", "seconde", "segundo", "ثانية"),
        Unit("MIN", "minute", "minute", "minuto", "دقيقة"),
        Unit("HUR", "hour", "heure", "hora", "ساعة"),
        Unit("DAY", "day", "jour", "día", "يوم"),
        Unit("WEE", "week", "semaine", "semana", "أسبوع"),
        Unit("MON", "month", "mois", "mes", "شهر"),
        Unit("QAN", "quarter", "trimestre", "trimestre", "ربع سنة"),
        Unit("ANN", "year", "année", "año", "سنة"),
        Unit("GRM", "gram", "gramme", "gramo", "غرام"),
        Unit("KGM", "kilogram", "kilogramme", "kilogramo", "كيلوغرام"),
        Unit("TNE", "tonne", "tonne", "tonelada", "طن"),
        Unit("MMT", "millimetre", "millimètre", "milímetro", "مليمتر"),
        Unit("CMT", "centimetre", "centimètre", "centímetro", "سنتيمتر"),
        Unit("MTR", "metre", "mètre", "metro", "متر"),
        Unit("KMT", "kilometre", "kilomètre", "kilómetro", "كيلومتر"),
        Unit("MTK", "square metre", "mètre carré", "metro cuadrado", "متر مربع"),
        Unit("HAR", "hectare", "hectare", "hectárea", "هكتار"),
        Unit("MTQ", "cubic metre", "mètre cube", "metro cúbico", "متر مكعب"),
        Unit("MLT", "millilitre", "millilitre", "mililitro", "مليلتر"),
        Unit("LTR", "litre", "litre", "litro", "لتر"),
        Unit("KWH", "kilowatt hour", "kilowattheure", "kilovatio hora", "كيلوواط ساعة"),
        Unit("MWH", "megawatt hour", "mégawattheure", "megavatio hora", "ميغاواط ساعة"),
        Unit("KWT", "kilowatt", "kilowatt", "kilovatio", "كيلوواط"),
        Unit("D64", "block", "bloc", "bloque", "كتلة"),
        Unit("P1", "percent", "pour cent", "por ciento", "بالمئة"),
    )
}

UNIT_CODES = frozenset(UNITS)


def is_unit(code: str) -> bool:
    return code in UNITS


def unit_label(code: str, language: str = "en") -> str:
    """The unit's name in the language (English when the language is unknown), or the code
    itself for a code outside the list."""
    unit = UNITS.get(code)
    return unit.label(language) if unit else code


def unit_choices(language: str = "en") -> list[tuple[str, str]]:
    return [(code, f"{unit.label(language)} ({code})") for code, unit in UNITS.items()]
