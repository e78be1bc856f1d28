"""Main article text: pick the content container, prune boilerplate inside it, render its blocks.

Works on a private copy of <body>, so the page's shared tree (links, metadata) is never edited.
lxml directly, not BeautifulSoup: this is the hot path of every page.

1. Candidates come from ordered selectors (itemprop=articleBody, well-known body classes, <article>,
   weaker content classes, <main>), then from readability-style text scoring.
2. The first candidate with enough text wins, unless the scorer found a container with far more text.
3. Inside the winner, boilerplate goes: structural tags (nav, aside, header, footer, form), elements
   whose class or id says share/related/comments/ads/..., link-dense lists and boxes.
4. What is left renders to blocks (paragraphs, headings, list items, quotes, code, table rows).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from .blocks import Block, blocks_to_html, blocks_to_text
from .dates import DATE_IN_TEXT
from .document import Document
from .explain import LOWER, Explanation, element
from .labels import label_kind, names_display_copy, names_lead, names_page_chrome
from .second_opinion import CLEARLY_LONGER, looks_wrong, trafilatura_blocks
from .text import squash, text_of, without_break_hints

# Never article text anywhere on the page.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "button",
    "input",
    "select",
    "textarea",
    "audio",
    "video",
    "map",
    "dialog",
    "figcaption",
    # Ruby annotations: the reading of the characters they sit on (furigana), not more text.
    "rt",
    "rp",
    "link",
    "meta",
    "title",
    "head",
)
# Page chrome: dropped inside the article container, and ignored by the scorer.
CHROME_TAGS = ("nav", "aside", "footer", "header", "form", "menu")
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "figure",
        "address",
        "center",
        "hr",
        "details",
        "summary",
        "fieldset",
        "caption",
        "body",
        "html",
        "hgroup",
        "nav",
        "aside",
        "header",
        "footer",
        "form",
        "menu",
        "picture",
        "legend",
    }
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SECTION_HEADINGS = HEADINGS - {"h1"}

BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advertising|anzeige|publicité|publicidade|sponsored|share(?: this| on \w+)?(?: article| story| post)?:?|"
    r"tweet|print|email|e-mail|click here.*|read more|continue reading.*|sign up.*|subscribe.*|follow us.*|"
    r"leave a (?:comment|reply)|\d* ?comments?|posted in.*|filed under.*|tagged(?: with)?:.*|tags:.*|"
    r"related(?: articles| posts| stories| content| coverage)?:?|you (?:may|might) also like.*|image:.*|photo:.*|"
    r"getty images|ap photo.*|reuters.*photo.*|copyright ©.*|© \d{4}.*|all rights reserved\.?|"
    r"skip to (?:main )?content|loading\W*|scroll to continue.*|story continues below.*|"
    r"advertisement - scroll to continue|we're sorry.*|(?:image|photo)(?:graph)? (?:by|credit|courtesy).*|"
    r"adverts?|iklan|publicidad|реклама|광고|sharing is caring!?|(?:image|photo|slide) \d+ (?:of|/) \d+|\d+ (?:of|/) \d+|"
    r"text size|next article|previous article|top rated comments|popular on .{1,30}|related \w+(?: \w+){0,3}:.*|"
    r".{0,200}\((?:image|photo|picture|credit|source): [^)]{1,60}\)|[©ⓒ].{0,80}|copyright\b.{0,80}|"
    r"tell us what you think\W*|this slideshow requires javascript\.?|"
    # The same lines in the languages of the pages we see: read also, related, share, newsletter, print.
    r"(?:mehr zum thema|zum weiterlesen|weiterlesen|auch interessant|lesen sie auch|schon gelesen|"
    r"(?:das|dies)(?: thema)? könnte (?:sie|dich|euch) (?:auch )?interessieren|siehe auch|"
    r"weitere (?:artikel|beiträge|informationen|infos)|"
    r"(?:verwandte|ähnliche) (?:artikel|beiträge)|zobacz (?:również|też)|czytaj (?:też|także|więcej)|"
    r"(?:à )?lire aussi|voir aussi|lea (?:también|más)|leer más|ver también|te puede interesar|"
    r"leia (?:também|mais)|veja também|leggi anche|leggi di più|vedi anche|lees ook|lees meer|"
    r"read also|also read|read next|recommended(?: for you| reading)?|more on this(?: story| topic)?)\W?.{0,80}|"
    r"(?:puedes ver|mira|te recomendamos|no te pierdas) ?:.{0,100}|"
    # The page's machinery: a reading time, a PHP warning, a PDF download, a counter of views or
    # comments or of a list's items, a shop's confirmation.
    r"\d+ min(?:ute)?s?\.? (?:read|lesezeit|de lecture|de lectura)|"
    r"(?:lesezeit|lesedauer|reading time):? (?:ca\. )?\d+ min\w*\.?|"
    r"(?:warning|notice|deprecated|fatal error|parse error) ?: .{1,200} on line \d+|"
    r".{0,60}\b(?:als pdf herunterladen|(?:download|save)(?: this \w+)? as (?:a )?pdf)|"
    r".{0,80}pdf\W+\d+(?:[.,]\d+)? ?[kmg]i?b\b.{0,60}|"
    r"(?:aufrufe|zugriffe|views|hits)(?: insgesamt)? ?: ?\d[\d.,]*(?: ?\|.*)?|"
    r"(?:kommentare|comments)(?: insgesamt)? ?: ?\d+|"
    r"(?:es werden (?:die )?\w+ |showing )\d+ ?(?:bis|to|-|–) ?\d+ (?:von|of) (?:insgesamt )?\d+.{0,40}|"
    r"(?:der )?artikel wurde (?:erfolgreich )?(?:\w+ )?hinzugefügt\.?|"
    r"(?:jetzt |artikel |beitrag |diesen artikel )?teilen\W*|möchten sie (?:den|diesen) artikel teilen\W*|"
    r"compartir|partager|condividi|partilhar|udostępnij|delen|"
    r"(?:zum |unseren )?newsletter (?:anmelden|abonnieren).*|jetzt abonnieren.*|abonnez-vous.*|suscríbete.*|"
    r"iscriviti.*|zapisz się.*|(?:rezept |artikel |seite )?drucken|imprimer|imprimir|stampa|bewerten:?|"
    r"artikel bewerten|beitragsbild|empfohlener redaktioneller inhalt)$",
    re.I,
)
# A picture's caption or credit set as a line of its own, in blocks under _CAPTION characters: labelled
# ("Foto: …", "Crédits photos : …", "Titelbild: …", "Abbildung 2: …", "Quelle: …", or led by the zoom
# button's "Vergrößern"), or ending with its credit (CREDIT_END: "… © AFP / Name", "… | © Getty
# Images", "… Foto: Andina").
CAPTION_LINE = re.compile(
    r"(?:crédits? photos?|photo credits?|bildnachweis|bildquelle|titelbild|beitragsbild|headerbild|"
    r"fotos?|bild|abbildung(?: \d+)?|abb\. ?\d+|quelle|fuente|fonte)\s?:|"
    r"(?:vergrößern|enlarge(?: this image)?|agrandir|ampliar)\b",
    re.I,
)
# The credit a caption ends with; searched in a short block's last _CREDIT_TAIL characters only.
CREDIT_END = re.compile(r"(?:[©ⓒ]|\b(?:fotos?|photos?|bild|credits?|quelle|fuente|fonte)\s?:)\s?[^.!?:©ⓒ]{1,60}$", re.I)
_CREDIT_TAIL = 72
# An advertising label opening a short block: the ad's own line or a sponsored post's disclosure
# ("Anzeige", "*Werbung. Dieser Beitrag enthält …", "ANZEIGE - Heute mal …", "Anzeige, enthält Affiliate Links").
AD_LABEL = re.compile(
    r"^(?:anzeige|werbung|advertisement|advertorial|sponsored(?: content| post)?|publicidad|publicité|pubblicità|"
    r"reklama|reclame)\s*(?:[-–—:.,|)*]|$)",
    re.I,
)
# What the page says once the article is over: rights, licence, how to cite it, the site's disclaimers
# of its contributors' opinions. Searched in short blocks in the body's second half (a block opening with "©"
# is one whatever its length); the article ends there.
NOTICE_LINE = re.compile(
    r"\b(?:all rights reserved|alle rechte vorbehalten|todos los derechos reservados|tous droits réservés|"
    r"tutti i diritti riservati|alle rechten voorbehouden|wszelkie prawa zastrzeżone|"
    r"vervielfältigung (?:\w+ ){0,3}(?:nur|untersagt|verboten|nicht gestattet)|"
    r"(?:unter (?:der |einer )?(?:lizenz )?|licen[cs]ed under (?:a |the )?)(?:cc\b|creative commons)|"
    r"gibt (?:\w+ )?die meinung|not (?:necessarily )?(?:reflect|represent)\w* the (?:views|opinions?)|"
    r"(?:is|are) not responsible for (?:the )?(?:opinions|views|content)|(?:views|opinions) expressed (?:here|in))|"
    r"^\W*(?:[©ⓒ]|(?:copyright|suggested citation|zitiervorschlag|zitierweise|pour citer cet article|"
    r"cite this (?:article|post|page)|how to cite this)\b)",
    re.I,
)
# A call to the reader, wherever the site sets it in the text: get the app or the newsletter for the
# latest news, subscribe or log in to read on or to comment, leave a comment, report an error or send a
# text of one's own, support or donate, send a letter, buy the print issue. Searched in short blocks: these are not the article's sentences.
CALL_LINE = re.compile(
    # Written in lower case and searched in the lowered block: half the time of a case-blind search.
    # One word boundary for every branch: a block is searched once per word, not once per character.
    r"\b(?:"
    r"(?:latest|breaking) (?:news|stories|updates)\b.{0,80}\b(?:apps?|newsletter|inbox|phone)\b|"
    r"(?:sign(?:ing)? up|subscribe|register) (?:to|for) (?:our|the) newsletter|"
    r"to (?:view|read|continue reading|access)\b.{0,40}\b(?:subscribe|subscription|log ?in|sign in)|"
    r"pour lire la suite|um weiterzulesen|para (?:seguir|continuar) leyendo|per continuare a leggere|"
    r"consider (?:supporting|donating|a donation)|support(?:ing)? (?:our|independent) (?:work|journalism)|"
    r"help us (?:continue|keep)|unterstütze \w+ (?:bereits |schon )?mit\b|jede (?:kleine )?spende\b|"
    r"^(?:gefällt|gefallen) (?:dir|ihnen|euch) unser|if you (?:enjoyed|liked) (?:reading )?this\b|"
    r"(?:submit|send) (?:us )?(?:your|a) letter to the editor|"
    r"(?:logged in|log in|sign(?:ed)? in|anmelden|einloggen)\b.{0,30}\b(?:comment|kommentar)|"
    r"hinterlasse?n? (?:\w+ ){0,2}(?:einen )?kommentar|leave (?:a|your) comment (?:below|here)|"
    r"(?:los|les|vous|we) invit\w* (?:a|à|you to) (?:reportar|proposer|signaler|report)|vous êtes invités? à|"
    r"report(?:ar)? (?:an? )?(?:errors?|errores|typos?)\b|fehler melden\b|signaler une erreur\b|"
    r"(?:im|als) abo\b.{0,40}\be-paper\b|app \((?:itunes|ios|android|app store|google play)\b"
    r")",
)
# A heading or short line that says the article is over and the site's boxes begin: about the
# author, comments, most read, the next article, more of the site's stories or tips, the press
# contacts. (Not a related
# box's heading: those also sit inside the text, above a teaser or two.)
END_HEADING = re.compile(
    r"^\W*(?:über (?:den|die) autor(?:in)?|zum autor|about the author|über diese (?:reihe|serie)|"
    r"fragen an (?:den|die) autor(?:in)?|"
    r"\d* ?(?:kommentare|comments|commentaires|comentarios)|kommentierte artikel|leave a (?:reply|comment)|"
    r"schreibe?n? (?:sie )?einen kommentar|most (?:popular|read)|meistgelesen\w*|am meisten gelesen|"
    r"vorschau auf den nächsten artikel|nächster artikel|next (?:article|post|story)|"
    r"weitere (?:\w+ )?(?:themen|\w*tipps|kolumnen|artikel|beiträge|nachrichten|news)\b.{0,40}|"
    r"mehr (?:themen|kolumnen|artikel|beiträge|news)\b.{0,40}|"
    # A press release's contacts.
    r"(?:presse|medien)?kontakt|kontakt für (?:die )?(?:presse|medien)|ansprechpartner(?:in)?\b.{0,40}|"
    r"(?:adresse )?für rückfragen|(?:media|press) (?:contacts?|enquiries|inquiries)|contacts? for (?:the )?media)\W*$",
    re.I,
)
_END_HEADING = 80  # characters: a longer line is text
# A line pointing to the site's other pages from inside the text: "Alles über … findest du hier.",
# "Hier geht es zur …", "… erklären wir in unserem Beitrag …", "… weiter zu …".
POINTER_LINE = re.compile(
    r"\b(?:(?:findest|findet|finden) (?:du|ihr|sie) (?:\w+ )?hier[.!]?$|"
    r"(?:erklären|zeigen|verraten) wir (?:dir |ihnen |euch )?in (?:unserem|diesem) (?:beitrag|artikel|ratgeber))|"
    r"^\W*(?:hier geht(?:'s| es) (?:zu[rm]?|weiter)|weiter zu)\b",
    re.I,
)
_POINTER = 200  # characters: a longer block is a paragraph that also points somewhere
# An author's bio as the body's last block: a name (or "Sie"/"Er") and what the author is, works as or
# writes about ("Jane Roe is the founder of …", "Inga Buller ist Head of Social bei …", "Leiterin Redaktion …").
BIO_LINE = re.compile(
    r"^(?:(?:[A-ZÄÖÜ][\w'’.-]+ ){1,3}(?:is|ist|est|es|è|was|war) |ist )(?:\w+ ){0,3}"
    r"(?:founder|co-?founder|gründer\w*|head of|leiter\w*|chef\w*|redakteur\w*|editor\w*|journalist\w*|"
    r"reporter\w*|korrespondent\w*|correspondent|autor\w*|author|writer|professor\w*|partner\w*|director|"
    r"direktor\w*|ceo|consultant|berater\w*|freelance\w*|freie?r? )|"
    r"^(?:leiter(?:in)?|head of|chef(?:in)? vom dienst|redakteur(?:in)?) (?:der |des )?(?:redaktion|ressort|desk)\b",
    re.I,
)
_BIO = 400  # characters: a bio is a few lines
_DECORATION = " -–—*•·|_"  # around a label: "- Anzeige -", "*Werbung"
# What the site says after the article, in the corpora's languages: follow us, subscribe, get the app,
# support us, log in, reprint rights. Searched (not matched) in short blocks at a body's end only.
PROMO_LINE = re.compile(
    r"\b(?:follow|folgt?|folgen|síguenos|sigue|siga|suivez|seguici|segui|volg|join|únete|rejoignez)\b.{0,60}"
    r"\b(?:twitter|facebook|instagram|whatsapp|telegram|youtube|tiktok|linkedin)\b|"
    r"\b(?:canal|kanal|channel|chaîne) (?:de |auf |on )?(?:youtube|telegram|whatsapp)\b|"
    r"subscri|abonnier|abonnez|suscrib|iscriv|newsletter|\bsign up\b|\bsign-up\b|"
    r"\b(?:download|herunterladen|descarga|télécharge)\w*\b.{0,60}\bapps?\b|\bapps?\b.{0,40}\b(?:download|herunterladen)|"
    r"copyright|©|all rights reserved|alle rechte|todos los derechos|tous droits|written permission|\breprint|"
    r"nachdruck|support (?:us|our)|unterstütze|\bapoya|soutenez|hazte (?:miembro|socio)|"
    r"become a (?:member|subscriber|patron)|\blog ?in\b|einloggen|eingeloggt|iniciar sesión|se connecter",
    re.I,
)
_PROMO = 300  # characters: longer blocks are paragraphs, whatever words they hold
# Bylines and datelines: boilerplate at the top or bottom of a body, but words like any other inside it.
EDGE_LINE = re.compile(
    r"^(?:(?:posted|published|updated|last updated|first published)(?: on| at)?:? .{0,60}|by\b.{0,60}|"
    r"(?:aktualisiert|veröffentlicht|erstellt|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|"
    r"gepubliceerd|bijgewerkt|opublikowano|zaktualizowano)(?: am| le| el| il| op| o)?:? .{0,60}|"
    r"(?:von|par|por|di|door|przez)\b.{1,60}|"
    r"(?:medically |fact[- ]checked and )?(?:reviewed|written|edited|fact[- ]checked|reported) by\b.{0,60}|"
    r"(?:by|photo|photos|video|source|sources)\W*)$",
    re.I,
)
# A web or e-mail address written out: "http://www.example.org/petition", "press@example.org".
_ADDRESS = re.compile(r"\b(?:https?://|www\.)[\w.-]+\.[a-z]{2,}\S*|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)
_EDGE_BLOCKS = 3
_WORD = re.compile(r"\w+")
_MIN_BLOCK = 25
_SCORED_FINALISTS = 15
_ORPHAN_HEADING = 100  # characters: a longer heading is a paragraph in big type
_LEAD = 80  # characters: a lead paragraph is at least this long
_CLIMB = 2  # layout wrappers the sibling step looks through
_FAR_SIBLING = 300  # characters of paragraph text a sibling beyond the container's wrapper needs
_CHUNK_LEVELS = 3  # how far up same-class chunks of one article are looked for
_ARTICLE_BOUNDS = frozenset({"article", "main", "body"})
_CAPTION = 300  # characters: text beside a picture shorter than this is its caption
_SIBLING_TAGS = frozenset(
    {"p", "div", "section", "blockquote", "ul", "ol", "dl", "h2", "h3", "h4", "pre", "table", "tr", "header"}
)
# Page regions that never hold the article's container (a <header> may: the lead; a <form> may: ASP.NET).
_CHROME_BOXES = frozenset({"nav", "aside", "footer", "menu"})
_MIN_BODY = 250  # characters: less than this from a selector is probably a teaser, try the next one


def _label(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def _hidden(el) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if not style:
        return False
    style = style.replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _text_len(el) -> int:
    return len(squash(text_of(el)))


def _link_len(el) -> int:
    return sum(len(squash(text_of(a))) for a in el.iter("a"))


def _drop(el) -> None:
    """Remove el but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


_MAYBE_HIDDEN = etree.XPath(".//*[@hidden or @aria-hidden or @style]")


def preclean(tree) -> None:
    """Remove what is never article text: scripts, styles, media, form controls, hidden elements."""
    # A <noscript> holding text is the page as a reader without JavaScript (and this crawler) sees it;
    # one holding a tracking pixel or "please enable JavaScript" is not text.
    for el in tree.iter("noscript"):
        el.tag = "div" if _text_len(el) >= _MIN_BODY else "noscript"
    etree.strip_elements(tree, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in _MAYBE_HIDDEN(tree):
        if _hidden(el) and el.getparent() is not None:
            _drop(el)


# ---- choosing the container ------------------------------------------------------------------------


def _selector_candidates(tree) -> list[tuple[int, object]]:
    """(tier, element) for elements that name themselves article bodies; most specific tier first."""
    tiers: list[list] = [[], [], [], [], []]
    for el in tree.iter(*CONTAINER_TAGS):
        tag = el.tag
        if "articleBody" in (el.get("itemprop") or "") or "articleBody" in (el.get("property") or ""):
            tiers[0].append(el)
            continue
        kind = label_kind(_label(el))
        if kind.body and not kind.negative:
            tiers[1].append(el)
        elif tag == "article":
            tiers[2].append(el)
        elif kind.weak and not kind.negative:
            tiers[3].append(el)
        elif tag == "main" or el.get("role") == "main":
            tiers[4].append(el)
    out = []
    for number, tier in enumerate(tiers):
        # Outermost matches only: an inner "entry-content" inside an outer one adds nothing new.
        chosen = set()
        for el in tier:
            if not any(anc in chosen for anc in el.iterancestors()):
                chosen.add(el)
                out.append((number, el))
    return out


# The selector tiers' strategy names (explain.py), most specific first.
TIERS = ("body:articleBody", "body:body-class", "body:article", "body:content-class", "body:main")
# Beaten container candidates listed in an explanation, at most.
_EXPLAINED = 5

# What an article container can be (lxml filters tags in C: far cheaper than testing every element).
CONTAINER_TAGS = ("div", "section", "article", "main", "dd", "dl", "center", "font", "figure", "blockquote")


class ParagraphText:
    """Characters of paragraph-like text (paragraphs, list items, quotes, code, subheadings of 25
    characters or more, less their links) under an element: what an article has and a link list does
    not. Each block is measured once per page, each element summed once."""

    def __init__(self, tree):
        blocks: dict = {}
        for p in tree.iter(*_PARAGRAPH_TAGS):
            if p.tag == "li" and next(p.iter("p"), None) is not None:  # find(".//p") through ElementPath is 2x slower
                continue
            text = squash(text_of(p))
            if len(text) >= _MIN_BLOCK:
                blocks[p] = len(text) - _link_len(p)
        self.blocks = blocks
        self.sums: dict = {}

    def inside(self, el) -> int:
        """Paragraph characters under el."""
        total = self.sums.get(el)
        if total is None:
            blocks = self.blocks
            total = self.sums[el] = sum(blocks.get(p, 0) for p in el.iter(*_PARAGRAPH_TAGS)) if blocks else 0
        return total

    def prose_inside(self, el) -> int:
        """Paragraph characters under el in paragraphs, list items, quotes and code: not headings."""
        blocks = self.blocks
        return sum(blocks.get(p, 0) for p in el.iter("p", "pre", "blockquote", "li")) if blocks else 0

    def of(self, el) -> int:
        """Paragraph characters under el, or for an element without paragraphs its text less links."""
        return self.inside(el) or _text_len(el) - _link_len(el)


_PARAGRAPH_TAGS = ("p", "pre", "blockquote", "li", "h2", "h3", "h4")


def score_container(tree, excluded: Callable | None = None):
    """Readability-style: paragraphs give points to their parent and grandparent; best link-light one wins.
    excluded(el): finalists never to pick (those in a boilerplate box)."""
    scores: dict = {}

    def base(el) -> float:
        score = {
            "article": 10.0,
            "main": 5.0,
            "div": 5.0,
            "section": 3.0,
            "pre": 3.0,
            "td": 3.0,
            "blockquote": 3.0,
        }.get(el.tag, 0.0)
        if el.tag in ("ul", "ol", "dl", "form", "th", "nav", "aside", "footer", "header"):
            score -= 10
        return score + label_kind(_label(el)).score

    for el in tree.iter("p", "pre", "td", "blockquote", "div", "section", "dd"):
        loose = el.tag in ("div", "section")
        if el.tag in ("div", "section", "td", "dd") and not _own_text(el):
            continue
        text = squash(_direct_text(el) if loose else text_of(el))
        if len(text) < _MIN_BLOCK:
            continue
        points = 1 + text.count(",") + text.count("،") + text.count("、") + text.count("，") + min(len(text) // 100, 3)
        # Loose text in a div is a paragraph of that div: the div itself is its first ancestor.
        ancestor = el if loose else el.getparent()
        for level in range(3):
            if ancestor is None or ancestor.tag == "html":
                break
            if ancestor not in scores:
                scores[ancestor] = base(ancestor)
            scores[ancestor] += points / (1, 2, 3)[level]
            ancestor = ancestor.getparent()
    if not scores:
        return None
    best, best_score = None, float("-inf")
    # Link density only scales scores down, so the winner is among the best raw scores.
    top = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:_SCORED_FINALISTS]
    for el, score in top:
        if excluded is not None and excluded(el):
            continue
        text_len = _text_len(el)
        final = score * (1 - min(1.0, _link_len(el) / text_len if text_len else 0.0))
        if final > best_score:
            best, best_score = el, final
    while best is not None and best.tag in ("p", "blockquote", "li", "td", "ul", "ol") and best.getparent() is not None:
        best = best.getparent()
    return best


def _own_text(el) -> bool:
    """Does el hold text of its own: loose, or in inline children (<font>, <b>, <a>), not in blocks?"""
    if el.text and el.text.strip():
        return True
    return any(
        (child.tail and child.tail.strip()) or (child.tag not in BLOCK_TAGS and text_of(child).strip())
        for child in el
        if isinstance(child.tag, str)
    )


def _direct_text(el) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag not in BLOCK_TAGS:
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _title_heading(tree, title_key: str):
    """The heading that shows the page's title: it sits at the top of the article."""
    if not title_key:
        return None
    for el in tree.iter("h1", "h2"):
        if is_headline(_comparable(text_of(el)), title_key):
            return el
    return None


def _distance(el, anchor, limit: int = 8) -> int:
    """How many levels above el the closest element holding anchor is (0: el holds it)."""
    if anchor is None or el is None:
        return limit
    scope = el
    for level in range(limit):
        if scope is None:
            break
        if scope is anchor or _contains(scope, anchor):
            return level
        scope = scope.getparent()
    return limit


def choose_container(
    tree,
    title_key: str = "",
    paragraphs: ParagraphText | None = None,
    explanation: Explanation | None = None,
    heading=None,
) -> list:
    """The article's container(s): a selector candidate with enough text, else the scorer's pick.

    An article split into several same-class chunks (between ads, say) gives all of them, in order.
    heading: the heading that shows the title (_title_heading's), None if there is none.
    """
    scored: list = []  # the scorer's pick, computed only when needed: [] not yet, [None] nothing

    def scorer_pick():
        if not scored:
            scored.append(score_container(tree, in_boilerplate))
        return scored[0]

    def in_boilerplate(el) -> bool:
        return _in_boilerplate(el, page_text, box_lengths)

    def page_text() -> int:
        if not page_len:
            page_len.append(_text_len(tree))
        return page_len[0]

    page_len: list = []  # the page's text length, measured only when needed
    box_lengths: dict = {}

    paragraphs = paragraphs or ParagraphText(tree)
    page_chars = paragraphs.of(tree)
    candidates = _selector_candidates(tree)
    rejected = []  # (tier, element, why), for an explanation
    for number, (tier, el) in enumerate(candidates):
        chars = paragraphs.of(el)
        if chars < _MIN_BODY:
            if explanation is not None:
                rejected.append((tier, el, f"{chars:,} characters of text, under {_MIN_BODY}"))
            continue
        if in_boilerplate(el):
            if explanation is not None:
                rejected.append((tier, el, "in a box named boilerplate"))
            continue
        # No container can hold three times more than this one when the whole page does not.
        if chars * 3 < page_chars:
            best = scorer_pick()
            if best is not None and chars * 3 < paragraphs.of(best) and not _contains(el, best):
                # A teaser's "entry-content" while the article itself has no telling class; unless the
                # page's own headline sits with this candidate and not with the scorer's.
                if _distance(el, heading) >= _distance(best, heading):
                    if explanation is not None:
                        rejected.append((tier, el, f"the scorer's {element(best)} holds over three times more text"))
                    continue
        if tier <= 1:
            chosen = _with_siblings(_with_chunks(el, [c for t, c in candidates if t == tier], paragraphs), paragraphs)
        else:
            chosen = _with_siblings([el], paragraphs)
        if explanation is not None:
            lower = [(t, c, LOWER) for t, c in candidates[number + 1 :] if not any(c is k for k in chosen)]
            _explain(explanation, TIERS[tier], el, chosen, paragraphs, rejected + lower, scored)
        return chosen
    best = scorer_pick()
    chosen = _with_siblings([best], paragraphs) if best is not None else []
    if explanation is not None and best is not None:
        _explain(explanation, "body:scorer", best, chosen, paragraphs, rejected, [])
    return chosen


def _in_boilerplate(el, page_text: Callable[[], int], lengths: dict) -> bool:
    """Is el, or a box it sits in, page chrome holding under half the page's text (page_text()): an
    overlay (a login or contact dialog, a cookie notice), the page's footer, an <aside> or <nav>? A box
    so named around most of the page is a wrapper. lengths: the boxes' text lengths, measured once
    (a listing's hundred candidates can sit in one box)."""
    for node in (el, *el.iterancestors()):
        tag = node.tag
        if tag == "body":
            return False
        if tag in _CHROME_BOXES or ((node.get("class") or node.get("id")) and names_page_chrome(_label(node))):
            if _cached_len(node, lengths) < 0.5 * page_text():
                return True
    return False


def _explain(
    explanation: Explanation, strategy: str, el, chosen: list, paragraphs: ParagraphText, beaten: list, scored: list
) -> None:
    """The body's container and what joined it, and the candidates it beat."""
    joining = [element(c) for c in chosen if c is not el]
    joined = f"; with {', '.join(joining)}" if joining else ""
    explanation.won("body_text", strategy, None, f"{element(el)}, {paragraphs.of(el):,} characters of text{joined}")
    for tier, candidate, why in beaten[:_EXPLAINED]:
        explanation.beat("body_text", TIERS[tier], None, f"{element(candidate)}: {why}")
    if len(beaten) > _EXPLAINED:
        left = len(beaten) - _EXPLAINED
        explanation.beat("body_text", "…", None, f"{left} more selector candidate{'s' if left > 1 else ''}")
    if scored and scored[0] is not None and scored[0] is not el:
        explanation.beat("body_text", "body:scorer", None, f"{element(scored[0])}: a selector candidate comes first")


def _with_siblings(chosen: list, paragraphs: ParagraphText) -> list:
    """chosen plus the siblings that carry on its text (readability's sibling step): the lead before
    an article body, the sections after the first one; not link lists, boilerplate or chrome. When
    nothing next to it does and its parent is only a layout wrapper (the container beside a sidebar),
    the parent's siblings are looked at, up to two levels up, each box climbed through only a wrapper
    of the one below; siblings found so far away need _FAR_SIBLING characters of paragraph text."""
    parent = chosen[0].getparent()
    if parent is None or parent.tag == "html" or any(el.getparent() is not parent for el in chosen):
        return chosen
    out = [
        child
        for child in parent
        if any(child is el for el in chosen) or (isinstance(child.tag, str) and _carries_on(child, paragraphs))
    ]
    anchor = parent
    inner = chosen  # what anchor holds of the article: the containers, then the box climbed from
    for _ in range(_CLIMB):
        if len(out) > len(chosen) or anchor.tag in _ARTICLE_BOUNDS or not _is_wrapper(anchor, inner):
            break
        inner = [anchor]
        up = anchor.getparent()
        if up is None or up.tag == "html":
            break
        before: list = []
        after: list = []
        seen = False
        for child in up:
            if child is anchor:
                seen = True
            elif isinstance(child.tag, str) and _carries_on(child, paragraphs, _FAR_SIBLING):
                (after if seen else before).append(child)
        out = before + out + after
        anchor = up
    return out


def _is_wrapper(parent, kept: list) -> bool:
    """Is parent only a layout box around kept: its other children chrome, boilerplate or nearly empty?"""
    for child in parent:
        if not isinstance(child.tag, str) or any(child is el for el in kept):
            continue
        if child.tag in CHROME_TAGS or label_kind(_label(child)).negative:
            continue
        if _text_len(child) >= _LEAD:
            return False
    return True


def _carries_on(el, paragraphs: ParagraphText, enough: int = _LEAD) -> bool:
    """Is a sibling of the article's container more of the article, with enough characters of
    paragraph text?"""
    tag = el.tag
    if tag not in _SIBLING_TAGS or label_kind(_label(el)).negative:
        return False
    if tag == "header" and not _holds_lead(el):
        return False
    text = _text_len(el)
    if text < _LEAD or _link_len(el) > 0.25 * text:
        return False
    # Another <article> is another story; a picture with a few lines under it is a caption.
    if el.find(".//article") is not None or (text < _CAPTION and el.find(".//img") is not None):
        return False
    return paragraphs.of(el) >= enough


def _with_chunks(chosen, same_tier: list, paragraphs: ParagraphText) -> list:
    """chosen plus the same-class boxes holding more of the article, in document order: chunks between
    ads, and a CMS's run of content elements (TYPO3's div.frame > header + div.ce-bodytext, one per
    section), which sit in siblings of one kind (same tag and first class) up to three levels up. Those
    siblings, headings and all, are then the containers."""
    # Classes, not ids: each chunk has its own id ("article-section-0", "article-section-1").
    label = chosen.get("class") or ""
    ancestors = [chosen, *chosen.iterancestors()][: _CHUNK_LEVELS + 1]
    chunks, boxes, levels = [], [], set()
    for el in same_tier:
        if el is chosen:
            chunks.append(el)
            continue
        if (el.get("class") or "") != label or paragraphs.of(el) < _MIN_BLOCK:
            continue
        found = _box_of_same_kind(el, ancestors)
        if found is not None:
            chunks.append(el)
            levels.add(found[0])
            boxes.append(found[1])
    if len(levels) != 1 or min(levels) < 2:
        return chunks
    # All in sibling boxes of one parent: take the boxes, in order.
    level = levels.pop()
    mine = ancestors[level - 1]
    return [child for child in ancestors[level] if child is mine or any(child is box for box in boxes)]


def _box_of_same_kind(el, ancestors: list):
    """(level, box) when el sits below ancestors[level] in a child (the box) of the same kind as
    ancestors[level - 1], the one holding chosen; None otherwise."""
    below = el
    for up in el.iterancestors():
        for level in range(1, len(ancestors)):
            if up is ancestors[level]:
                mine = ancestors[level - 1]
                if below.tag == mine.tag and _first_class(below) == _first_class(mine):
                    return level, below
                return None
        below = up
    return None


def _first_class(el) -> str:
    classes = (el.get("class") or "").split()
    return classes[0] if classes else ""


def _contains(outer, inner) -> bool:
    return any(anc is outer for anc in inner.iterancestors())


# ---- the lead before the container --------------------------------------------------------------

_LEAD_WALK = 200  # elements walked from the headline towards the body's container, at most
_LEAD_BLOCKS = 3  # more paragraphs than this between headline and body: the headline is not this body's
# Never a lead, whatever they hold: page chrome, pictures, lists and tables of links or facts. Not a
# <header> between the headline and the body: the article's own, holding its date and often its lead.
_NOT_LEAD_TAGS = frozenset({*CHROME_TAGS, "figure", "ul", "ol", "dl", "table"} - {"header"})
_LEAD_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote"})


def lead_before(tree, title_key: str, containers: list, heading=None) -> list[Block]:
    """The lead (intro, teaser, subtitle) a template sets between the headline and the body's container,
    outside the container: in the article's <header>, or in a box of its own above the body.

    Walks from the headline (heading, the title's heading the container was chosen with, else
    _lead_heading's) to the first container, in document order, and takes the paragraphs of 80
    characters or more on the way that are not bylines, datelines, captions or link lists, nor in a box
    named for a headline's display copy (labels.DISPLAY_COPY_WORDS) unless it is named for a lead
    (labels.LEAD_WORDS). [] when the headline is not right above the container (not reached within
    the walk, or more paragraphs on the way than a lead has).
    """
    if not containers:
        return []
    heading = heading if heading is not None else _lead_heading(tree, title_key)
    if heading is None or any(heading is c or _contains(c, heading) for c in containers):
        return []
    first = containers[0]
    around = set(first.iterancestors())
    walked = 0
    paragraphs = 0
    blocks: list[Block] = []
    node = heading
    while node is not None:
        for sibling in node.itersiblings():
            stack = [sibling]
            while stack:
                el = stack.pop()
                walked += 1
                if walked > _LEAD_WALK:
                    return []
                if el is first:
                    return blocks
                if not isinstance(el.tag, str):
                    continue
                if el in around:
                    stack.extend(reversed(el))
                    continue
                tag = el.tag
                label = _label(el)
                if tag in _NOT_LEAD_TAGS or (label_kind(label).negative and not names_lead(label)):
                    continue
                if tag not in _LEAD_TAGS and not (tag in ("div", "section") and not _holds_blocks(el)):
                    stack.extend(reversed(el))
                    continue
                text = squash(without_break_hints(text_of(el)))
                if len(text) < _LEAD:
                    continue
                paragraphs += 1
                if paragraphs > _LEAD_BLOCKS:
                    return []
                block = Block("p", text, _link_len(el), 0)
                if _lead_text(block, el, title_key) and _lead_box(el, around):
                    blocks.append(block)
        node = node.getparent()
    return []


def _lead_text(block: Block, el, title_key: str = "") -> bool:
    """Does a paragraph read as a lead: not link text, a byline, dateline, promo, caption or the headline
    after its kicker and date ("Nachricht | 30.10.2021 Migration «Headline»")?"""
    text = block.text
    if block.link_chars > 0.3 * len(text) or _is_edge_meta(block) or _is_promo(block):
        return False
    if title_key and _comparable(text).endswith(title_key):
        return False
    return not (BOILERPLATE_LINE.match(text) or (len(text) < _CAPTION and el.find(".//img") is not None))


def _lead_heading(tree, title_key: str):
    """The headline when no <h1>/<h2> shows the title alone: a heading showing it after a kicker
    ("Kicker: Headline"), or an <h3> (news modules of some CMSs, TYPO3's tx_news, set the headline in
    one below the page's own <h1>)."""
    if not title_key:
        return None
    for el in tree.iter("h1", "h2", "h3"):
        key = _comparable(text_of(el))
        if key.endswith(title_key) and (key == title_key or key.endswith(" " + title_key) or el.tag == "h3"):
            return el
        if el.tag == "h3" and is_headline(key, title_key):
            return el
    return None


def _lead_box(el, around: set) -> bool:
    """Is el, in the boxes it sits in below the container's ancestors, named for a lead, or not named
    for a headline's display copy?"""
    for node in (el, *el.iterancestors()):
        if node in around:
            return True
        label = _label(node)
        if names_lead(label):
            return True
        if names_display_copy(label):
            return False
    return True


def _holds_blocks(el) -> bool:
    return any(child.tag in BLOCK_TAGS for child in el if isinstance(child.tag, str))


def _with_lead(lead: list[Block], blocks: list[Block]) -> list[Block]:
    """The lead before the body's blocks, unless the body repeats it."""
    known = [b.text for b in blocks[: _LEAD_BLOCKS + 2]]
    return [b for b in lead if not any(b.text in text for text in known)] + blocks


# ---- pruning inside the container ---------------------------------------------------------------


def _measure(container) -> dict:
    """{element: (text characters, link text characters)} for the container and everything in it, in one pass."""
    sizes: dict = {}
    _measure_into(container, False, sizes)
    return sizes


def _measure_into(el, in_link: bool, sizes: dict) -> tuple[int, int]:
    text = len(el.text.strip()) if el.text else 0
    links = text if in_link else 0
    for child in el:
        if isinstance(child.tag, str):
            child_text, child_links = _measure_into(child, in_link or child.tag == "a", sizes)
            text += child_text
            links += child_links
        if child.tail:
            tail = len(child.tail.strip())
            text += tail
            links += tail if in_link else 0
    sizes[el] = (text, links)
    return text, links


def _holds_lead(header) -> bool:
    """Does a <header> hold a paragraph of text (a lead), not only a headline, byline, date and links?"""
    for p in header.iter("p", "div", "h2", "h3"):
        text = squash(text_of(p))
        if len(text) >= _LEAD and not (p.tag == "div" and p.find(".//p") is not None):
            if _link_len(p) < 0.3 * len(text) and not _is_edge_meta(Block("p", text, 0, 0)):
                return True
    return False


def _heads_section(header) -> bool:
    """Is a <header> a section's heading and nothing else (a CMS's content element: header > h2)?"""
    text = _text_len(header)
    if not text or _link_len(header) > 0.3 * text:
        return False
    return any(_text_len(h) >= 0.9 * text for h in header.iter("h2", "h3", "h4", "h5", "h6"))


def _heads_article(header, title_key: str) -> bool:
    """Does a <header> hold the page's headline (not a teaser's, not a cookie notice)?"""
    for heading in header.iter("h1", "h2"):
        if heading.tag == "h1" or is_headline(_comparable(text_of(heading)), title_key):
            return True
    return False


# Tags never pruned for their class: links, emphasis, images, table cells.
_NEVER_LABELLED = frozenset({"a", "b", "i", "em", "strong", "br", "img", "td", "tr", "tbody", "table"})


def _paragraph_of(el, container):
    """The <p> el sits in, below container; None when it is in none."""
    for anc in el.iterancestors():
        if anc is container:
            return None
        if anc.tag == "p":
            return anc
    return None


def _judge(el, container, title_key: str, paragraphs: ParagraphText, total: int, lengths: dict) -> bool:
    """Is el boilerplate inside the article's container?"""
    tag = el.tag
    paragraph_total = paragraphs.inside(container)
    if tag in CHROME_TAGS:
        # The article's own <header> holds its headline, byline and often its lead: keep a lead. A
        # "header" or "form" around most of the article (a misused tag, ASP.NET's page form) stays.
        if paragraphs.inside(el) >= 0.5 * paragraph_total > 0:
            return False
        return not (tag == "header" and (_heads_section(el) or (_heads_article(el, title_key) and _holds_lead(el))))
    if tag == "figure" and el.find(".//blockquote") is None and el.find(".//table") is None:
        # Pictures and their credits; an embedded post (a blockquote) stays.
        return True
    if tag in _NEVER_LABELLED or (el.get("class") is None and el.get("id") is None):
        return False
    kind = label_kind(_label(el))
    if not kind.negative and not kind.hidden:
        return False
    paragraph = _paragraph_of(el, container)
    if paragraph is not None:
        # Words inside a paragraph are part of its sentence ("offering the <span class=productTitle>
        # for"): only hidden text goes, or a labelled piece that is the whole paragraph or holds a
        # picture (a caption).
        return kind.hidden or el.find(".//img") is not None or _text_len(el) == _cached_len(paragraph, lengths)
    if not kind.negative:
        return False
    # A heading named "title" is a section's heading, a titled box holding a paragraph (not just a
    # headline and its deck) a section, and one holding only a subheading (a CMS's headline element:
    # div.element-headline > h2) that subheading.
    if kind.titled and (tag in SECTION_HEADINGS or paragraphs.prose_inside(el) >= _LEAD or _heads_section(el)):
        return False
    # A wrapper that holds most of the article is not boilerplate, whatever its class says
    # ("content-sidebar-wrap", Blogger's "widget Blog"); comments can outgrow the article.
    text = _text_len(el)
    if text >= 0.6 * total:
        return False
    # (Of paragraphs and text: an article of loose text has few paragraphs, maybe only a caption's.)
    return not (not kind.discussion and paragraphs.inside(el) >= 0.5 * paragraph_total > 0 and text >= 0.3 * total)


def _cached_len(el, lengths: dict) -> int:
    length = lengths.get(el)
    if length is None:
        length = lengths[el] = _text_len(el)
    return length


def prune(container, title_key: str = "", paragraphs: ParagraphText | None = None) -> None:
    """Remove boilerplate inside the chosen container."""
    total = max(1, _text_len(container))
    paragraphs = paragraphs or ParagraphText(container)
    lengths: dict = {}  # text lengths of paragraphs, asked about for each labelled piece inside
    doomed = []
    # Depth first, and not into what is already doomed (a comment thread's hundred labelled parts).
    stack = [child for child in reversed(container) if isinstance(child.tag, str)]
    while stack:
        el = stack.pop()
        if _judge(el, container, title_key, paragraphs, total, lengths):
            doomed.append(el)
        else:
            stack.extend(child for child in reversed(el) if isinstance(child.tag, str))
    for el in doomed:
        _drop(el)
    # Link lists and boxes of links: related stories, tag clouds, social links.
    sizes = _measure(container)
    total = max(1, sizes[container][0])
    doomed_set: set = set()
    for el in container.iter("ul", "ol", "div", "section", "table", "dl"):
        if el is container:
            continue
        text_len, link_len = sizes.get(el, (0, 0))
        if not text_len or text_len > 0.6 * total:
            continue
        density = link_len / text_len
        if density > 0.5 and (el.tag in ("ul", "ol", "dl") or density > 0.65):
            if not any(anc in doomed_set for anc in el.iterancestors()):
                doomed_set.add(el)
    for el in doomed_set:
        _drop(el)


# ---- rendering ----------------------------------------------------------------------------------


_SPACE_NEWLINES = re.compile(r"[\r\n]+").sub


def _one_line(text: str) -> str:
    """Line breaks in the page's source as spaces (the search first: a regex substitution costs more)."""
    return _SPACE_NEWLINES(" ", text) if "\n" in text or "\r" in text else text


_NEWLINE_RUNS = re.compile(r"\n{2,}")


def _link_share(part: str, text: str, link_chars: int) -> int:
    """A paragraph cut out of a longer text gets its share of the text's link characters."""
    return round(link_chars * len(part) / max(1, len(text)))


def render(container) -> list[Block]:
    """Text blocks of a container in reading order."""
    blocks: list[Block] = []
    buf: list[str] = []
    links = [0]
    group = [0]

    def flush(kind: str) -> None:
        if not buf:  # most block elements only hold other blocks
            links[0] = 0
            return
        text = without_break_hints("".join(buf))
        buf.clear()
        link_chars, links[0] = links[0], 0
        if kind == "pre":
            text = text.strip("\n")
            if text.strip():
                blocks.append(Block(kind, text, link_chars, group[0]))
            return
        lines = [squash(line) for line in text.split("\n")]
        # Two line breaks in a row end a paragraph ("text<br><br>text", the markup of many old pages
        # and editors); one is a line break inside it.
        parts = "\n".join(lines).split("\n\n") if kind == "p" else ["\n".join(lines)]
        for part in parts:
            part = _NEWLINE_RUNS.sub("\n", part).strip() if "\n\n" in part else part.strip()
            if part:
                blocks.append(
                    Block(kind, part, link_chars if len(parts) == 1 else _link_share(part, text, link_chars), group[0])
                )

    def walk(el, kind: str, in_link: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "br":
            buf.append("\n")
            return
        if tag in BLOCK_TAGS:
            flush(kind)
            if tag in HEADINGS or tag in ("pre", "li"):
                inner = tag
            elif tag in ("dt", "dd"):
                inner = "li"
            elif tag == "blockquote":
                inner = "blockquote"
            elif tag in ("ul", "ol", "dl"):
                group[0] += 1
                inner = kind
            elif tag in ("td", "th"):
                buf.append(" ")
                _children(el, kind, in_link)
                buf.append(" ")
                return
            else:
                inner = kind if kind in ("blockquote", "li", "pre") else "p"
            _children(el, inner, in_link)
            flush(inner)
            if tag in ("ul", "ol", "dl"):
                group[0] += 1
            return
        _children(el, kind, in_link or tag == "a")

    def _children(el, kind: str, in_link: bool) -> None:
        # A line break in the page's source is a space; only <br> (and <pre>) break lines.
        if el.text:
            buf.append(el.text if kind == "pre" else _one_line(el.text))
            if in_link:
                links[0] += len(el.text.strip())
        for child in el:
            walk(child, kind, in_link)
            if child.tail:
                buf.append(child.tail if kind == "pre" else _one_line(child.tail))
                if in_link:
                    links[0] += len(child.tail.strip())

    walk(container, "p", False)
    flush("p")
    return blocks


def _keep(block: Block, title_key: str) -> bool:
    text = block.text
    if not _WORD.search(text):
        return False
    bare = text.strip(_DECORATION)
    if len(text) < 120 and BOILERPLATE_LINE.match(bare):
        return False
    if len(text) < _PROMO and (AD_LABEL.match(bare) or CALL_LINE.search(text.lower())):
        return False
    if len(text) < _POINTER and POINTER_LINE.search(text):
        return False
    if (
        len(text) < _CAPTION
        and block.kind != "pre"
        and (CAPTION_LINE.match(text) or CREDIT_END.search(text[-_CREDIT_TAIL:]))
    ):
        return False
    if block.kind in HEADINGS and is_headline(_comparable(text), title_key):
        return False
    density = block.link_chars / max(1, len(text))
    return not (density > 0.6 and block.kind in ("li", "p") and len(text) < 300 and not _is_address(text))


def _is_address(text: str) -> bool:
    """Is a line mostly a web or e-mail address written out (a source, a contact's e-mail)? Its link is
    read, not clicked past."""
    return sum(len(m) for m in _ADDRESS.findall(text)) >= 0.6 * len(text)


def drop_orphan_headings(blocks: list[Block]) -> list[Block]:
    """A heading with nothing under it (its related-links list pruned, or at the very end) goes; a long
    one is a paragraph set in a heading's type."""
    kept: list[Block] = []
    for block in reversed(blocks):
        if block.kind in HEADINGS and len(block.text) < _ORPHAN_HEADING:
            following = kept[-1] if kept else None
            if following is None or (following.kind in HEADINGS and following.kind <= block.kind):
                continue
        kept.append(block)
    kept.reverse()
    return kept


def _is_edge_meta(block: Block) -> bool:
    """A byline, dateline or lone date, as found just before or after the article text."""
    text = block.text
    if len(text) > 80 or block.kind in ("li", "pre"):
        return False
    if EDGE_LINE.match(text):
        return True
    date = DATE_IN_TEXT.search(text)
    if date is None:
        return False
    # What is left once the date is gone: a time, a weekday, a zone, a label.
    return len(_WORD.findall(text[: date.start()] + text[date.end() :])) <= 5


def after_headline(blocks: list[Block], title_key: str) -> list[Block]:
    """Drop the headline and what sits above it inside the container: kickers, categories, dates. The
    headline is a heading, or in old table layouts a short line in bold type (a plain block)."""
    if not title_key:
        return blocks
    for index, block in enumerate(blocks[:6]):
        key = _comparable(block.text)
        if (block.kind in HEADINGS or len(block.text) < _LEAD) and (
            is_headline(key, title_key) or (block.kind == "h1" and _after_kicker(key, title_key))
        ):
            before = sum(len(_WORD.findall(b.text)) for b in blocks[:index])
            return blocks[index + 1 :] if before <= 40 else blocks[:index] + blocks[index + 1 :]
    return blocks


def _after_kicker(key: str, title_key: str) -> bool:
    """Is the heading the title after a short kicker it holds, which the title leaves out ("Paris 2024
    Drinks by boat")? Only for the headline's own element near the top: a subheading may end with it."""
    return title_key.count(" ") >= 2 and key.endswith(" " + title_key) and key.count(" ") - title_key.count(" ") <= 8


def trim_edges(blocks: list[Block]) -> list[Block]:
    start = 0
    while start < min(_EDGE_BLOCKS, len(blocks)) and _is_edge_meta(blocks[start]):
        start += 1
    end = len(blocks)
    while (
        end > start
        and end > len(blocks) - _EDGE_BLOCKS
        and (_is_edge_meta(blocks[end - 1]) or _is_promo(blocks[end - 1]) or _is_bio(blocks[end - 1]))
    ):
        end -= 1
    return blocks[start:end]


def _is_promo(block: Block) -> bool:
    """A call to follow, subscribe, download the app, support the site, or a reprint notice, as found
    after an article's last paragraph."""
    return len(block.text) < _PROMO and PROMO_LINE.search(block.text) is not None


def _is_bio(block: Block) -> bool:
    """An author's bio, as found after an article's last paragraph."""
    return len(block.text) < _BIO and BIO_LINE.match(block.text) is not None


def is_headline(key: str, title_key: str) -> bool:
    """Does a heading (its comparable words) show the page's title: all of it, or the headline part of
    a title with the site's name before or after it ("Blog » Archive » Headline")?"""
    if not key or not title_key:
        return False
    if key == title_key:
        return True
    return key.count(" ") >= 2 and (title_key.endswith(" " + key) or title_key.startswith(key + " "))


def _comparable(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def extract_body(doc: Document, title: str = "") -> tuple[str, str]:
    """(body_text, body_html) of the article; empty strings when there is none."""
    body = doc.root.find("body")
    if body is None:
        return "", ""
    tree = copy.deepcopy(body)
    preclean(tree)
    title_key = _comparable(title)
    paragraphs = ParagraphText(tree)
    blocks = []
    explanation = doc.explanation
    heading = _title_heading(tree, title_key)
    containers = choose_container(tree, title_key, paragraphs, explanation, heading)
    lead = lead_before(tree, title_key, containers, heading)
    winner = explanation.field("body_text").winner if lead and explanation is not None else None
    if winner is not None:
        winner.note += f"; with the lead above it ({len(lead)} paragraph(s))"
    for container in containers:
        prune(container, title_key, paragraphs)
        blocks += render(container)
    blocks = finish(_with_lead(lead, blocks), title_key)
    chars = sum(len(b.text) for b in blocks)
    # The paragraph count is from before pruning; the page's text (less what pruning took out of the
    # container, so at least the paragraphs) is only counted for a short body.
    page_paragraphs = paragraphs.inside(tree)
    if looks_wrong(chars, page_paragraphs, lambda: max(_text_len(tree), page_paragraphs)):
        second = finish(trafilatura_blocks(doc), title_key)
        second_chars = sum(len(b.text) for b in second)
        taken = second_chars > CLEARLY_LONGER * chars
        if explanation is not None:
            _explain_second_opinion(explanation, blocks, second, taken)
        if taken:
            blocks = second
    elif explanation is not None:
        explanation.beat("body_text", "body:trafilatura", None, "not asked: the body looks right")
    return blocks_to_text(blocks), blocks_to_html(blocks)


def _explain_second_opinion(explanation: Explanation, ours: list[Block], second: list[Block], taken: bool) -> None:
    chars, second_chars = sum(len(b.text) for b in ours), sum(len(b.text) for b in second)
    if taken:
        winner = explanation.field("body_text").winner
        replaced = "looked wrong, and trafilatura's is longer"
        if winner is not None:
            winner.value = blocks_to_text(ours) or None
            replaced = f"{winner.note}: {replaced}"
        note = f"ours looked wrong ({chars:,} characters); trafilatura's has {second_chars:,}"
        explanation.won("body_text", "body:trafilatura", None, note, replaced=replaced)
    else:
        why = f"asked because ours looked wrong ({chars:,} characters), but not {CLEARLY_LONGER} times as long"
        explanation.beat("body_text", "body:trafilatura", blocks_to_text(second) or None, why)


def finish(blocks: list[Block], title_key: str) -> list[Block]:
    """Blocks without boilerplate lines, the headline and what sits above it, or bylines at the edges."""
    blocks = [b for b in after_headline(blocks, title_key) if _keep(b, title_key)]
    return trim_edges(drop_orphan_headings(before_the_end(blocks)))


def before_the_end(blocks: list[Block]) -> list[Block]:
    """The blocks before the article's end in the body's second half: a rights, licence or disclaimer
    notice, or a heading of the site's boxes (about the author, comments, more stories or tips).
    What follows is the site's (its promos, its archive, its teasers)."""
    total = sum(len(b.text) for b in blocks)
    seen = 0
    for index, block in enumerate(blocks):
        text = block.text
        if seen >= total / 2 and (
            (len(text) < _PROMO and NOTICE_LINE.search(text))
            or text.startswith(("©", "ⓒ"))
            or (len(text) < _END_HEADING and END_HEADING.match(text))
        ):
            return blocks[:index]
        seen += len(text)
    return blocks


_Selector = TypeVar("_Selector", bound=Callable)


def extract_body_at(
    doc: Document, containers: list[_Selector], removes: list, title: str = ""
) -> tuple[str, str, _Selector | None]:
    """Body text and HTML from containers a site profile names (compiled XPaths), minus its removes; and
    the selector that found them (None when none did)."""
    body = doc.root.find("body")
    if body is None:
        return "", "", None
    tree = copy.deepcopy(body)
    preclean(tree)
    found = []
    matched: _Selector | None = None
    for xpath in containers:
        found = [el for el in xpath(tree) if isinstance(el, etree._Element)]
        if found:
            matched = xpath
            break
    title_key = _comparable(title)
    blocks = []
    for container in found:
        for xpath in removes:
            for el in xpath(container):
                if isinstance(el, etree._Element) and el is not container:
                    _drop(el)
        blocks += render(container)
    blocks = [b for b in blocks if _keep(b, title_key)]
    return blocks_to_text(blocks), blocks_to_html(blocks), matched
