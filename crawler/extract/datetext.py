"""Dates written as text, in many languages: "12 avril 2018", "12/04/2018", "2018年4月12日", "vor 3 Stunden"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from .text import squash

# Month names and abbreviations, lower-case, by month. Genitive and nominative forms where a language
# writes them differently in dates ("12 kwietnia", "12 апреля", "12 Ocak").
_MONTH_NAMES = [
    # en de fr es it pt nl sv/da/no pl ru tr cs fi ro hu ca
    "january jan janvier janv januar jänner jän enero ene gennaio gen janeiro januari janvāris stycznia styczeń "
    "sty января январь янв ocak ledna leden tammikuuta tammikuu ianuarie január gener",
    "february feb febr februar février fevrier févr fevr febrero febbraio fevereiro fev februari lutego luty lut "
    "февраля февраль фев şubat subat února únor helmikuuta helmikuu februarie február febrer",
    "march mar märz maerz mrz mars marzo março marco maart mrt marts marca marzec марта март mart března březen "
    "maaliskuuta maaliskuu martie március març",
    "april apr avril avr abril abr aprile aprilie kwietnia kwiecień kwi апреля апрель апр nisan dubna duben "
    "huhtikuuta huhtikuu április abril",
    "may mai mayo maggio mag maio mei maj maja май мая mayıs mayis května květen toukokuuta toukokuu május maig",
    "june jun juni juin junio giugno giu junho jun czerwca czerwiec cze июня июнь haziran června červen "
    "kesäkuuta kesäkuu iunie június juny",
    "july jul juli juillet juil julio luglio lug julho lipca lipiec lip июля июль temmuz července červenec "
    "heinäkuuta heinäkuu iulie július juliol",
    "august aug août aout agosto ago augustus augusti sierpnia sierpień sie августа август авг ağustos agustos "
    "srpna srpen elokuuta elokuu augusztus agost",
    "september sep sept septembre septiembre setiembre settembre set setembro septembra września wrzesień wrz "
    "сентября сентябрь сен eylül eylul září syyskuuta syyskuu septembrie szeptember setembre",
    "october oct octobre octubre ottobre ott outubro out oktober okt października październik paź października "
    "октября октябрь окт ekim října říjen lokakuuta lokakuu octombrie október octubre",
    "november nov novembre noviembre novembro listopada listopad lis ноября ноябрь ноя kasım kasim listopadu "
    "marraskuuta marraskuu noiembrie november",
    "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro grudnia grudzień gru "
    "декабря декабрь дек aralık aralik prosince prosinec joulukuuta joulukuu decembrie december desembre",
]
# Gregorian months as Arabic and Persian write them.
_RTL_MONTHS = [
    "يناير كانون الثاني ژانویه",
    "فبراير شباط فوریه",
    "مارس آذار",
    "أبريل ابريل إبريل نيسان آوریل",
    "مايو أيار مه",
    "يونيو يونيه حزيران ژوئن",
    "يوليو يوليه تموز ژوئیه",
    "أغسطس اغسطس آب اوت",
    "سبتمبر أيلول سپتامبر",
    "أكتوبر اكتوبر تشرين الأول اکتبر",
    "نوفمبر تشرين الثاني نوامبر",
    "ديسمبر كانون الأول دسامبر",
]
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(_MONTH_NAMES, 1):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
for _number, _names in enumerate(_RTL_MONTHS, 1):
    # Two-word names ("كانون الثاني") are listed as pairs.
    words = _names.split()
    i = 0
    while i < len(words):
        if words[i] in ("كانون", "تشرين") and i + 1 < len(words):
            MONTHS.setdefault(f"{words[i]} {words[i + 1]}", _number)
            i += 2
        else:
            MONTHS.setdefault(words[i], _number)
            i += 1
# A word that may be a month, checked against MONTHS after matching (one alternation of 300 names per
# character position would make the patterns slow); Arabic writes some months as two words.
_MONTH = r"[^\W\d_]{3,}(?:\s(?:الثاني|الأول))?"
_DIGIT = re.compile(r"\d")  # any script's digits
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)

# A time after a date: "10:12", "10:12 pm", "à 14h30", "um 16:11 Uhr", "- 18:55".
# A weekday may stand between the date and the time ("12 Nisan 2018 Perşembe, 10:30").
_TIME = r"(?:[\s,]*(?:[^\W\d_]{3,12}\.?,?\s*)?(?:at|um|à|a las|alle|om|saat|-|–|\|)?\s*(?P<H>\d{1,2})(?::|h)(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ap>[ap]\.?\s?m\b\.?)?)?"
_END = r"(?![\d:])"
_PATTERNS = [
    # April 12, 2018 / Apr. 12th 2018
    rf"(?<!\w)(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_END}{_TIME}",
    # 12 April 2018 / 12. April 2018 / 12 de abril de 2018 / 12th of April, 2018 / 12-Apr-2018
    rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\.?(?:\s+|-|\s*(?:de|of|del)\s+)(?P<m>{_MONTH})\.?,?"
    rf"(?:\s+|-)(?:de\s+|del\s+)?(?P<y>\d{{4}}){_END}{_TIME}",
    # 2018年4月12日 / 2018년 4월 12일
    rf"(?P<y>\d{{4}})\s*[年년]\s*(?P<m>\d{{1,2}})\s*[月월]\s*(?P<d>\d{{1,2}})\s*[日일]?{_TIME}",
    # 2018-04-12 / 2018/04/12 / 2018.04.12
    rf"(?<![\d.])(?P<y>(?:19|20)\d{{2}})(?P<s1>[-/.])(?P<m>\d{{1,2}})(?P=s1)(?P<d>\d{{1,2}}){_END}(?:T|\s*){_TIME}",
    # 12.04.2018 / 12/04/2018 / 12-04-2018 (the order depends on the locale)
    rf"(?<![\d.])(?P<a>\d{{1,2}})(?P<s2>[./-])(?P<b>\d{{1,2}})(?P=s2)(?P<y>\d{{4}}){_END}{_TIME}",
    # 4. 2. 2022 (also with thin spaces): spaced after the dots, as Czech, Slovak and German typography sets it
    rf"(?<![\d.])(?P<a>\d{{1,2}})\.\s(?P<b>\d{{1,2}})\.\s?(?P<y>\d{{4}}){_END}{_TIME}",
    # 12.04.18 / 12/04/18: two digits each, as a version number rarely is
    rf"(?<![\d.])(?P<a>\d{{2}})(?P<s3>[./])(?P<b>\d{{2}})(?P=s3)(?P<y>\d{{2}})(?![\d.]){_TIME}",
]
_COMPILED = [re.compile(p, re.I) for p in _PATTERNS]
_CANDIDATE = re.compile(
    rf"(?P<w1>{_MONTH})\.?\s+\d{{1,2}}(?!\d)|(?<!\d)\d{{1,2}}(?:st|nd|rd|th|er|\.)?(?:\s+|-|\s*(?:de|of)\s+)(?P<w2>{_MONTH})|"
    r"\d{4}\s*[年년]\s*\d{1,2}|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2}|"
    r"\d{1,2}\.\s\d{1,2}\.\s?\d{4}",
    re.I,
)


def _ascii_digits(text: str) -> str:
    """Arabic-Indic and full-width digits as ASCII ones (offsets kept)."""
    return text if text.isascii() else text.translate(_DIGITS)


def _matches(pattern: re.Pattern, text: str):
    """Like finditer, but a match that turns out not to be a date does not hide one that overlaps it."""
    position = 0
    while True:
        m = pattern.search(text, position)
        if m is None:
            return
        yield m
        position = m.start() + 1


def _starts(text: str):
    """Where a date may start in text (ASCII digits): the candidates whose month word is a month."""
    for m in _matches(_CANDIDATE, text):
        word = m.group("w1") or m.group("w2")
        if word is None or word.lower().rstrip(".") in MONTHS:
            yield m.start()


def may_hold_date(text: str) -> bool:
    """A cheap first look: is there something like a date in text?"""
    return bool(_DIGIT.search(text)) and next(_starts(_ascii_digits(text)), None) is not None


def _dates_at(text: str, start: int, day_first: bool):
    """Full-pattern matches of a date starting at start, the longest first."""
    found = [m for pattern in _COMPILED if (m := pattern.match(text, start)) is not None]
    found.sort(key=lambda m: m.start() - m.end())
    for m in found:
        parsed = _from_match(m, day_first)
        if parsed and _plausible(parsed[0]):
            yield m, parsed


class _DateInText:
    """Like a compiled pattern: search(text) gives the match of the first date written in text, or None."""

    @staticmethod
    def search(text: str) -> re.Match | None:
        if not _DIGIT.search(text):
            return None
        text = _ascii_digits(text)
        for start in _starts(text):
            for m, _ in _dates_at(text, start, True):
                return m
        return None


# Month-first numeric dates ("04/12/2018" is April 12): the United States and a few others.
_MONTH_FIRST = ("en-us", "en-ph", "fil", "en-ca")

_RELATIVE = re.compile(
    r"(?P<n>\d+|an?|one|ein(?:e[mn]?)?|un[ae]?)\s*(?P<unit>"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|"  # en: "3 hours ago"
    r"minuten?|stunden?|tag(?:en)?|wochen?|"  # de: "vor 3 Stunden"
    r"heures?|jours?|semaines?|"  # fr: "il y a 3 jours"
    r"minutos?|horas?|d[ií]as?|semanas?|"  # es/pt: "hace 3 días", "há 3 dias"
    r"minuti|ore|giorni|settimane|"  # it: "3 giorni fa"
    r"uur|dagen|weken|"  # nl: "3 dagen geleden"
    r"dakika|saat|gün|hafta|"  # tr: "3 gün önce"
    r"分钟|小时|天|周|"  # zh: "3天前"
    r"минут[уы]?|час(?:а|ов)?|дн(?:я|ей)|день|недел[иья]"  # ru: "3 дня назад"
    r")(?:\b|(?<=[钟时天周]))",
    re.I,
)
_AGO = re.compile(r"\bago\b|\bvor\b|il y a|\bhace\b|\bhá\b|\bfa\b|geleden|önce|前|назад", re.I)
_YESTERDAY = re.compile(r"\b(?:yesterday|gestern|hier à|ayer|ieri|gisteren|ontem|dün|вчера)\b|昨天", re.I)
_TODAY = re.compile(r"\b(?:today|heute|aujourd'hui|hoy|oggi|vandaag|hoje|bugün|сегодня)\b|今天", re.I)
_UNIT_SECONDS = [
    (re.compile(r"^(?:min|dakika|分钟|минут)", re.I), 60),
    (re.compile(r"^(?:hours?$|hrs?$|stunde|heure|hora|ore$|uur$|saat$|小时|час)", re.I), 3600),
    (re.compile(r"^(?:days?$|tag|jour|d[ií]a|giorni|dagen|gün|天|дн|день)", re.I), 86400),
    (re.compile(r"^(?:weeks?$|woche|semaine|semana|settimane|weken|hafta|周|недел)", re.I), 7 * 86400),
]


def month_first(language: str | None) -> bool:
    return language is not None and language.lower().replace("_", "-").startswith(_MONTH_FIRST)


def _plausible(dt: datetime) -> bool:
    return 1990 <= dt.year <= datetime.now(UTC).year + 1


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= datetime.now(UTC).year % 100 + 1 else 1900
    return year


def _from_match(m: re.Match, day_first: bool) -> tuple[datetime, bool] | None:
    groups = m.groupdict()
    try:
        if groups.get("a") is not None:
            a, b = int(groups["a"]), int(groups["b"])
            # A number over 12 settles the order whatever the locale says.
            if a > 12 or (day_first and b <= 12):
                day, month = a, b
            else:
                month, day = a, b
        else:
            day = int(groups["d"])
            raw = groups["m"]
            month = int(raw) if raw.isdigit() else MONTHS[raw.lower().rstrip(".")]
        year = _year(groups["y"])
        if groups.get("H") is not None:
            hour = int(groups["H"])
            if groups.get("ap"):
                hour = hour % 12 + (12 if groups["ap"].lower().startswith("p") else 0)
            return datetime(year, month, day, hour, int(groups["M"]), int(groups.get("S") or 0)), True
        return datetime(year, month, day), False
    except (KeyError, ValueError, TypeError):
        return None


def order_open(value: str) -> bool:
    """Is the first date in value written as numbers with day and month both 12 or less ("11/01/2023"),
    so that only a locale says which is which?"""
    text = _ascii_digits(squash(value) or "")
    for start in _starts(text):
        for m, _ in _dates_at(text, start, True):
            numbers = m.groupdict()
            return numbers.get("a") is not None and max(int(numbers["a"]), int(numbers["b"])) <= 12
    return False


def find_dates(text: str, day_first: bool = True) -> list[tuple[int, datetime, bool]]:
    """Every plausible date written in text: (offset, datetime, has time), in order, one per stretch of text."""
    if not _DIGIT.search(text):
        return []
    text = _ascii_digits(text)
    out, end = [], -1
    for start in _starts(text):
        if start < end:
            continue
        for m, (dt, has_time) in _dates_at(text, start, day_first):
            out.append((start, dt, has_time))
            end = m.end()
            break
    return out


def iso(dt: datetime, has_time: bool) -> str:
    return dt.isoformat(timespec="seconds") if has_time else dt.date().isoformat()


def parse_date(value: str | None, day_first: bool = True) -> str | None:
    """Normalise a date string from a page to ISO 8601, or None."""
    text = squash(value)
    if not text or len(text) > 200:
        return None
    candidate = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        dt = datetime.fromisoformat(candidate)
        if _plausible(dt):
            return iso(dt, has_time=len(candidate) > 10)
    except ValueError:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        # e.g. 2018-04-23T10:12:00+0430 or with fractional seconds Python rejects
        fixed = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", re.sub(r"(\.\d{6})\d+", r"\1", candidate))
        try:
            dt = datetime.fromisoformat(fixed)
            if _plausible(dt):
                return iso(dt, has_time=True)
        except ValueError:
            pass
    if re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", text):
        try:
            dt = parsedate_to_datetime(text)
            if _plausible(dt):
                return iso(dt, has_time=True)
        except (TypeError, ValueError, IndexError):
            pass
    found = find_dates(text, day_first)
    return iso(found[0][1], found[0][2]) if found else None


def parse_relative(text: str, reference: datetime) -> str | None:
    """ "3 hours ago", "vor 2 Tagen", "il y a 3 jours", "gestern": a date counted back from reference."""
    if len(text) > 80:
        return None
    if _YESTERDAY.search(text):
        return (reference - timedelta(days=1)).date().isoformat()
    if _TODAY.search(text):
        return reference.date().isoformat()
    if not _AGO.search(text):
        return None
    m = _RELATIVE.search(text)
    if not m:
        return None
    count = int(m.group("n")) if m.group("n").isdigit() else 1
    unit = m.group("unit")
    for pattern, seconds in _UNIT_SECONDS:
        if pattern.match(unit):
            when = reference - timedelta(seconds=count * seconds)
            return iso(when, has_time=seconds < 86400)
    return None


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header as an aware datetime."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


DATE_IN_TEXT = _DateInText()
