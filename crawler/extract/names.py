"""People's names out of bylines and metadata, in many languages; organisations, site names and junk left out."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .datetext import MONTHS
from .text import squash

# Words that open a byline, by language: "By", "Von", "Par", "Por", "Di", "Door", "Av", "Autor:", "توسط",
# "بقلم", "作者：", ... (whole words: "Di" must not eat the start of "Dieter").
_OPENERS = (
    r"(?:(?:written|posted|reported|published|compiled|edited|submitted|text|story|words|photos?|interview|"
    r"analysis|commentary|opinion|review)\s+by|by|from|interview|"
    r"(?:geschrieben|verfasst|erstellt|veröffentlicht|gepostet|eingestellt|bearbeitet|(?:ein\s+)?(?:blog-?\s?)?beitrag|"
    r"artikel|text)\s+von|von|vom|"
    r"(?:écrit|publié|rédigé|posté|propos\s+recueillis)\s+par|par|"
    r"(?:escrito|publicado|redactado|editado)\s+por|por|"
    r"(?:scritto|pubblicato|a\s+cura)\s+(?:da|di)|di|da|"
    r"(?:geschreven|geplaatst|gepubliceerd)\s+door|door|"
    r"(?:skrevet|skrivet|publicerad)\s+a[fv]|av|af|"
    r"autor(?:a|in|en|e|es|ka)?|author(?:s)?|auteur(?:e|s)?|autore|autrice|yazar|yazan|muhabir|napisał[a]?|"
    r"texte?|testo|tekst|texto|текст|автор|фото|foto|fotos|"
    r"نویسنده|نوشته|توسط|به\s+قلم|گزارش|بقلم|كتبه|كتب|بواسطة|المؤلف|الكاتب)"
)
# Chinese, Japanese and Korean write the name right after the word, or after a colon or slash.
_CJK_OPENERS = r"(?:著者|筆者|作者|撰文|记者|記者|编辑|編輯|责任编辑|責任編輯)|(?:文|글)(?=\s*[:：/／])"
PREFIX = re.compile(rf"^\s*(?:{_OPENERS}(?![^\W\d_])|{_CJK_OPENERS})\s*[:\-–：/／]?\s*(?=\S)", re.I)
# Words that open a byline written as plain text (not in a byline box): "Posted by ...", "Von ...", "بقلم: ...".
BYLINE_START = re.compile(
    r"^[\W_]*(?:(?:written|posted|reported|published|submitted|words|a story|an article)\s+(?:on\s.{1,40}\s)?by\b|by\b|"
    r"(?:text|texte|texto|testo|tekst|interview|(?:blog-?\s?)?beitrag|artikel|ein beitrag|un article|"
    r"reportage)\s*(?:von|by|par|de|di|door)?\s*:|(?:text|blog-?\s?beitrag|beitrag|artikel|ein beitrag)\s+von\s|"
    r"(?:geschrieben|verfasst|erstellt|veröffentlicht|gepostet)\s+(?:am\s.{1,40}\s)?von\s|von\b|vom\s|"
    r"(?:écrit|publié|rédigé)\s+(?:le\s.{1,40}\s)?par\s|par\b|(?:escrito|publicado)\s+(?:el\s.{1,40}\s)?por\s|"
    r"por\b|(?:scritto|pubblicato)\s+(?:il\s.{1,40}\s)?da\s|di\s|(?:geschreven|geplaatst)\s+door\s|door\b|"
    r"autor(?:in)?:|auteur\s*:|autore\s*:|yazar\s*:|"
    r"نویسنده|توسط|بقلم|كتبه|بواسطة|автор|著者|筆者|作者|撰文|记者|記者)",
    re.I,
)
# An element holding only the opener ("By", "Von:", "Text:", "作者："), the name in what follows it.
OPENER_ONLY = re.compile(rf"^[\W_]*(?!fotos?\b|фото)(?:{_OPENERS}|{_CJK_OPENERS})\s*[:\-–：]?$", re.I)
# "Posted on 3 May 2016 by Jane Doe": a label and a date before the opener.
_LEAD_BEFORE_OPENER = re.compile(
    r"^.{0,60}?(?:\d|posted|published|veröffentlicht|publié|publicado|pubblicato|gepubliceerd)[^|]{0,40}?\s"
    r"(?:by|von|par|por|door|da)\s+(?=\S)",
    re.I,
)
# A labelled field in a row of them, anywhere in a short line: "来源：滨江日报　作者：张三", "Foto: X | Autor: Y".
LABELLED_BYLINE = re.compile(
    r"(?:^|[\s\u3000|｜-])(?:作者|记者|記者|撰文|著者|筆者|autor(?:in)?|author|auteur|autore|yazar|نویسنده|redaktion|"
    r"redakteur(?:in)?|verfasser(?:in)?|text|texte|texto|testo)\s*[:：]\s*"
    r"(?P<name>[^\s|｜\u3000,;，；]{1,30}(?: [^\s|｜\u3000,;，；]{1,30}){0,3})",
    re.I,
)
# A byline whose word comes after the name: "Ahmet Yılmaz tarafından", "홍길동 기자".
BYLINE_END = re.compile(r"^\s*\S.{1,60}?\s(?:tarafından|tarafindan|기자)\s*$", re.I)
# "Ahmet Yılmaz tarafından", "홍길동 기자", "王小明 记者": the byline word after the name.
_SUFFIX = re.compile(r"\s*(?:tarafından|tarafindan|기자|记者|記者|報導|报道)\s*$", re.I)
SPLIT = re.compile(
    r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bve\b|\bи\b|\boch\b|\bog\b|"
    r"\s[|\-–—·•]\s|/|،|、|و\s|(?<=\w{3})\.\s)\s*",
    re.I,
)
_ROLE_WORDS = (
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|producer|analyst|photographer|intern|ceo|"
    r"redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|reporter(?:in)?|autor(?:in)?|fotograf(?:in)?|"
    r"volontär(?:in)?|rédacteur|rédactrice|journaliste|correspondant(?:e)?|periodista|redactor(?:a)?|"
    r"corresponsal|giornalista|redattore|corrispondente|redacteur|verslaggever|correspondent|muhabir|editör)s?"
)
_QUALIFIER = (
    r"(?:staff|senior|chief|special|foreign|political|contributing|deputy|managing|associate|executive|guest|"
    r"freie[rn]?|leitende[rn]?|stellvertretende[rn]?)"
)
# A part that is only a role ("Senior Correspondent"), or a qualified role after a name ("Jane Doe, Staff Writer").
_ROLE_PART = re.compile(rf"^(?:the\s+)?(?:{_QUALIFIER}\s+)*{_ROLE_WORDS}(?:\s+(?:at|for|of|bei|für|de|di)\b.*)?$", re.I)
_ROLE_WORD = re.compile(rf"^{_ROLE_WORDS}$", re.I)


def is_role_word(word: str) -> bool:
    """ "Autor", "Reporter", "Redakteurin": a role, not part of a name."""
    return bool(_ROLE_WORD.match(word))


# Letters after a name ("Ilana Muhlstein, MS, RDN"): not people.
_CREDENTIAL = re.compile(
    r"^(?:ph\.?\s?d|m\.?d|m\.?s|m\.?a|b\.?a|mba|rdn?|rn|cpa|esq|jr|sr|ii|iii|iv|msc|bsc|dphil|llm|mph|facp|dr\.?)\.?$",
    re.I,
)
_TRAILING_ROLE = re.compile(rf"\s+{_QUALIFIER}\s+{_ROLE_WORDS}\b.*$", re.I)
_WEEKDAY = (
    r"(?:mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|"
    r"martedì|mercoledì|giovedì|venerdì|sabato|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)[a-z]*"
)
# Where a date, a time or a reading time starts inside a byline: everything from there on is cut.
_DATEISH = re.compile(
    r"\b(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|updated|aktualisiert|published|veröffentlicht|publié|"
    r"publicado|pubblicato|posted on|hours? ago|minutes? ago|vor \d+|il y a|hace \d+|min read|\d+\s*min\b|"
    r"lesezeit|lesedauer|temps de lecture|tiempo de lectura)\b.*$|"
    rf"\s+(?:on|am|le|el|il|op|em|den|vom)\s+(?:{_WEEKDAY}\b|\d|[^\W\d_]{{3,}}\.?\s+\d).*$|"
    r"\s+(?:on|am|le|el|il|op|em|um|at|in|vor|stand|\||-)\s*:?\s*$",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"https?:|www\.|@|\.(?:com|net|org|de|at|ch|fr|es|it|nl|uk|eu|info|io|co|pe|cl|ar|mx|br|pl|ru|tv|fm|be)\b|"
    r"^\W*$|\d{3,}|#\d|\[\d|"
    r"\b(?:archive|archiv|rss|feed|e-?mail|view (?:all|more|profile)|posts by|more by|all posts|follow|subscribe|"
    r"read more|see more|archivo|archiv|copyright|unsplash|wikimedia|cc by|weiterlesen|weitere artikel|mehr (?:von|artikel|zum)|alle (?:artikel|beiträge)|"
    r"anzeigen|rebloggt?|reblog|schlagw[öo]rter|kommentare?|comments?|share|teilen|drucken|print|"
    r"publisher|no author|anonym\w*|an[óo]nimo|unknown|super user|administrator|webmaster|"
    r"lesezeit|lesedauer|min read|leer más|lire la suite|leggi (?:tutto|anche))\b",
    re.I,
)
# A desk, a team, a newsroom, a publisher or an agency, not a person, in the corpora's languages.
_ORGANISATION = re.compile(
    r"\b(?:staff|team|desk|newsroom|editors|editorial(?: board| staff)?|redaktion|online-redaktion|redaktionen|"
    r"rédaction|redacción|redazione|redactie|redação|redaccion|redacci|"
    r"gmbh|ag|e\.\s?v|ev|eg|se|kg|ohg|inc|ltd|llc|plc|corp|srl|s\.a|bv|nv|oy|"
    r"verlag|verlagsgruppe|media|medien|mediengruppe|news|nachrichten|noticias|notizie|nieuws|haber|"
    r"magazin|magazine|magazines|zeitung|zeitschrift|journal|gazette|gazzetta|tribune|post|times|daily|herald|"
    r"presse|press|pressestelle|pressedienst|pressemitteilung|agentur|agency|agencia|agence|agenzia|"
    r"online|tv|radio|fernsehen|television|televisión|rundfunk|"
    r"verband|bundesverband|landesverband|stiftung|foundation|fundación|fondation|institut|institute|instituto|"
    r"ministerium|bundesministerium|ministry|ministère|ministerio|department|departement|amt|behörde|"
    r"partei|fraktion|verein|club|gruppe|group|grupo|groupe|network|kitchens|shop|store|official|offiziell|"
    r"universität|university|universidad|université|hochschule|kirche|bistum|sekretariat|secretariat|"
    r"services?|international|portal|community|forum)\b",
    re.I,
)
_STOPWORDS = {
    "admin",
    "staff",
    "editor",
    "editors",
    "editorial",
    "team",
    "guest",
    "more",
    "posts",
    "contact",
    "kontakt",
    "share",
    "follow",
    "tweet",
    "email",
    "print",
    "facebook",
    "twitter",
    "whatsapp",
    "linkedin",
    "pinterest",
    "reddit",
    "instagram",
    "youtube",
    "xing",
    "weiter",
    "zurück",
    "datum",
    "date",
    "redaktion",
    "news",
    "home",
    "start",
    "startseite",
    "menu",
    "menü",
    "login",
    "search",
    "suche",
    "the numbers",
    "posted by",
    "written by",
    "por",
    "von",
    "par",
    "by",
    "artikel",
    "article",
    "quelle",
    "source",
    "fuente",
    "fonte",
    "stand",
    "bild",
    "foto",
    "beitrag",
}


_MONTH_WORDS = "|".join(sorted((re.escape(m) for m in MONTHS if m.isascii() or m.isalpha()), key=len, reverse=True))
# "April 23", "23. April", "07 Dezember" without a year, as bylines end: cut from there.
_MONTH_DAY = re.compile(rf"(?<!\w)(?:(?:{_MONTH_WORDS})\.?\s+\d{{1,2}}\b|\d{{1,2}}\.?\s+(?:{_MONTH_WORDS})\b).*$", re.I)


# "(Pressesprecher des EJW)", "(Text)": a role or a note in brackets after a name; also one cut off
# by the end of a labelled field ("Eberhard Fuhr (Pressesprecher des").
_PARENTHESES = re.compile(r"\s*[(\[][^)\]]{0,60}(?:[)\]]|$)")
# "Text von A Illustration von B", "Jane Doe, Fotos: John Roe": credits for other roles end the byline.
_OTHER_ROLES = re.compile(
    r"[\s,|·]+(?:illustrations?|illustrationen|fotos?|photos?|bilder?|grafik|graphics?|video|kamera|schnitt)\b"
    r"\s*(?:von|by|de|di|par|:).*$",
    re.I,
)


# A social-media handle printed after the name ("Jane Doe @janedoe", "Jane Doe · @jdoe_news"); not an
# e-mail address, whose "@" has no space before it.
_HANDLE_AFTER_NAME = re.compile(r"(?<=[^\W\d_])(?:\s+[·•|]?)?\s+@[\w.]{2,30}\b(?!\.\w)")


def _glued_twice(text: str) -> str:
    """ "Kristen Falc'honKristen Falc'hon" (a name printed twice, for two screen sizes) -> one of them."""
    half = len(text) // 2
    return text[:half] if len(text) % 2 == 0 and half >= 4 and text[:half] == text[half:] else text


def clean_names(raw: str) -> list[str]:
    """Split a byline string into clean names ("By A and B, Reporter" -> ["A", "B"])."""
    text = squash(raw)
    if not text or len(text) > 200 or _NOT_A_NAME.match(text):
        return []
    text = _OTHER_ROLES.sub("", _PARENTHESES.sub(" ", _HANDLE_AFTER_NAME.sub("", _glued_twice(text)))).strip(" ©")
    text = _LEAD_BEFORE_OPENER.sub("", text)
    text = _MONTH_DAY.sub("", _DATEISH.sub("", text))
    text = PREFIX.sub("", text)
    names = []
    for part in SPLIT.split(text):
        part = PREFIX.sub("", part.strip(" \t-–—|:·•,"))
        part = _SUFFIX.sub("", _DATEISH.sub("", part))
        part = _TRAILING_ROLE.sub("", part).strip(" \t-–—|:·•,()／・»«›‹>")
        if _ROLE_PART.match(part) or _CREDENTIAL.match(part):
            continue
        words = part.split()
        if words and _ROLE_WORD.match(words[-1]) and (words[-1].islower() or len(words) >= 3):
            # "News reporter", "Live Science Contributor"; but "Bob Writer" may well be a name.
            continue
        if not words or len(words) > 5 or len(part) > 60:
            continue
        if _NOT_A_NAME.search(part) or part.casefold() in _STOPWORDS or ":" in part:
            continue
        if not any(ch.isalpha() for ch in part):
            continue
        names.append(part)
    return names


def is_publisher_address(value: str) -> bool:
    """ "Olympia-Verlag GmbH, Nürnberg, Germany", "news.example, Frankfurt, Germany": an author meta tag
    holding the publisher (an organisation or a domain) and its address, no person."""
    first, comma, rest = value.partition(",")
    if not comma or not rest.strip():
        return False
    return bool(_ORGANISATION.search(first) or _DOMAIN.search(first))


_DOMAIN = re.compile(r"^\s*[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\s*$", re.I)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def name_key(name: str) -> str:
    """A name without case, spaces or punctuation: "Arian Schlichenmayer", "arianschlichenmayer" and
    "arian.schlichenmayer" (the same person's account login) compare equal."""
    return _compact(name)


# An account's login rather than a name as printed: no space, a digit, a dot or an underscore in it
# ("edilson.la.rosa", "link78", "j_doe"). A hyphen alone is not one ("Jean-Pierre").
_LOGIN = re.compile(r"^(?=\S*[\d._])(?=\S*[^\W\d_])\S+$")


def is_login(name: str) -> bool:
    return bool(_LOGIN.match(name))


def site_keys(site_name: str | None, url: str) -> set[str]:
    """What a page calls its own site: the site name and the host's name, compacted ("news24", "tagblattexample")."""
    keys = set()
    if site_name:
        keys.add(_compact(site_name))
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host:
        keys.add(_compact(host))
        labels = host.split(".")
        if len(labels) >= 2:
            keys.add(_compact(labels[-2]))  # "tagblatt" of tagblatt.example, "news24" of news24.example
            keys.add(_compact(labels[0]))
    keys.discard("")
    return keys


# Lower-case words inside names: particles ("Jan de Vries", "Ludwig van Beethoven", "Ahmad bin Ali").
_PARTICLES = {
    "van", "von", "de", "da", "di", "del", "della", "der", "den", "des", "du", "la", "le", "bin", "binti", "al",
    "el", "ibn", "y", "e", "zu", "ter", "ten", "dos", "das", "do", "af", "av", "und", "and", "et",
}  # fmt: skip
_WEEKDAY_WORD = re.compile(rf"^(?:{_WEEKDAY}|mo|di|mi|do|fr|sa|so|lu|ma|me|je|ve|sa|di)\.?$", re.I)


# "Die Zeitung", "The Chronicle", "El Diario": a name that starts with an article is a publication's.
_PUBLICATION = re.compile(r"^(?:the|die|das|der|le|la|les|el|il|lo|los|las)\s+\S", re.I)
# German compounds that end in an organisation's word: "Wirtschaftsnachrichten", "Landesverband".
_ORGANISATION_COMPOUND = re.compile(r"\w{3,}(?:nachrichten|zeitung|verlag|verband|stiftung|magazin|redaktion)\b", re.I)


def is_person(name: str, site: set[str], shown: bool = False, linked: bool = False) -> bool:
    """Could name be a person (not the site, an organisation, a dateline or a reading time)?

    shown: the page shows the name as its author's (a byline, rel=author, a link to an author's page):
    then a name that is also the site's is the person the site is named after (a personal blog,
    "janedoe.blog.example" by janedoe), unless it reads as a publication's. linked: the name is a
    link to an author's page, so a short handle ("jo", "kx42") is an account, not an agency's initials.
    """
    return not not_a_person(name, site, shown, linked)


def not_a_person(name: str, site: set[str], shown: bool = False, linked: bool = False) -> str:
    """Why name cannot be a person's ("" when it can); shown and linked as for is_person."""
    if _ORGANISATION.search(name.replace("_", " ")) or _ORGANISATION_COMPOUND.search(name):
        return "an organisation"
    if _NOT_A_NAME.search(name) or _WEEKDAY_WORD.match(name):
        return "not a name"
    if _compact(name) in site and not (shown and not _PUBLICATION.match(name)):
        return "the site's name"
    words = name.split()
    # "Dieser Eintrag wurde": a sentence, not a name.
    if len(words) >= 2 and any(w[0].isupper() for w in words if w[0].isalpha()):
        if any(w.islower() and w.isalpha() and w not in _PARTICLES for w in words[1:]):
            return "a sentence"
    # "07 Dezember", "21. Jan", "4 min": a number and a month or unit.
    if any(w.strip(".").isdigit() for w in words) and (
        len(words) <= 3 or any(w.lower().strip(".") in MONTHS for w in words)
    ):
        return "a date or a quantity"
    # One short word in capitals (or none): an agency's or a newspaper's initials ("AgE", "BDZV", "EFE", "mf").
    if not linked and (
        len(words) == 1 and len(name) <= 5 and (name.isupper() or name.islower() or sum(map(str.isupper, name)) >= 2)
    ):
        return "initials"
    return ""
