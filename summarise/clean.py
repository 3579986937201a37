"""Boilerplate removal for news pages pasted as plain text (English, Portuguese, Russian).

A pasted page is a column of lines: menus and share bars on top, the article in the middle,
related stories, comment prompts and legal lines at the bottom. The stages, in order:

0. hard-wrapped prose (fixed-width e-mail or terminal text) is joined back into paragraph lines;
1. classify each line on its own: blank, page furniture (menus, share and cookie prompts,
   captions, counters), metadata (dates, bylines, `Source:` lines), list markers ("Read next",
   "Leia também") or text; text lines are sentences, list items or short heading-like lines.
   Furniture is judged by form, not topic: legal lines, cookie consent and calls to action
   addressed to the reader ("Sign up for our newsletter", "© 2025 Outlet", "you agree to") are
   furniture on any line, once quotations are taken out; words that news also reports on
   ("copyright", "newsletter", "privacy policy", "click here") only on a line or footer item of
   a few words, and a line of three or more short items between separators is a menu;
2. repeated lines and teasers printed twice (title+teaser, then the teaser again) are furniture;
3. markers: after a "Read next"-style marker everything is other stories until the article
   demonstrably resumes; a "Related"/"See also" marker drops only the short list it introduces;
4. the article is the stretch of lines with the best balance of sentences over furniture
   (a line-level form of Finn et al.'s body text extraction, maximum-sum subarray);
5. inside it, runs of short lines (link lists), pull quotes and one-line teasers of other
   stories go (a headline-like line of 7+ words sharing no word with the paragraph after it);
   above it, the headline and standfirst are recovered.

`body_mask` returns the per-line decision (headline included); `clean` assembles the text and
returns the headline, date, URL and source as metadata.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Cleaned", "body_mask", "clean", "find_date"]


@dataclass(frozen=True)
class Cleaned:
    """An article body without page boilerplate, plus what the page said about it."""

    text: str  # paragraphs separated by one blank line, each on one line
    removed: int  # non-empty input lines dropped
    title: str | None
    published: str | None  # ISO 8601
    url: str | None
    source: str | None


# Line kinds.
BLANK, TEXT, NOISE, META, END, BLOCK = "blank", "text", "noise", "meta", "end", "block"

# --- dates -------------------------------------------------------------------------------

_MONTH_NAMES = (
    "january jan janeiro janv января январь янв",
    "february feb fevereiro fev февраля февраль фев",
    "march mar março marco марта март",
    "april apr abril abr апреля апрель апр",
    "may maio mai мая май",
    "june jun junho июня июнь",
    "july jul julho июля июль",
    "august aug agosto ago августа август авг",
    "september sep sept setembro set сентября сентябрь сен",
    "october oct outubro out октября октябрь окт",
    "november nov novembro ноября ноябрь ноя",
    "december dec dezembro dez декабря декабрь дек",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}

_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY, _YEAR = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?", r"(?P<year>(?:19|20)\d\d)"
_DATE_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>\d\d)-(?P<day>\d\d)(?!\d)",  # also 2025-01-07T10:00:00Z
    rf"\b{_DAY}\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?{_YEAR}\b",
    rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",
    r"\b(?P<day>\d{1,2})[./](?P<mnum>\d{1,2})[./](?P<year>(?:19|20)\d\d)\b",
)]
_TIME = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3])[:h.](?P<m>[0-5]\d)(?::[0-5]\d)?(?![\d:])"
                   r"(?:\s*(?P<ampm>[ap]\.?m\.?))?",
                   re.IGNORECASE)
_YEAR_ANYWHERE = re.compile(r"(?:19|20)\d\d")
_ANY_MONTH = _MONTH.replace("?P<month>", "?:")
_YEARLESS_DATE = re.compile(
    rf"^(?:\w+,?\s+)?(?:{_ANY_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+(?:de\s+)?{_ANY_MONTH})(?:,?\s+\w+)?$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^(?:last )?(?:published|updated|posted|publicado|atualizado|actualizado|"
                         r"опубликовано|обновлено)\b", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^\d{1,2}[:h.]\d{2}(?:\s*[ap]\.?m\.?)?$", re.IGNORECASE)


def _date_match(text: str) -> tuple[re.Match[str], datetime] | None:
    if not _YEAR_ANYWHERE.search(text):  # cheap test first: every full date carries a year
        return None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS[parts["month"].lower()]
            day = int(parts["day"])
            if parts.get("mnum") and "-" not in match.group(0) and month > 12 >= day:
                day, month = month, day  # 03/17/2025: month first, the US way
            try:
                return match, datetime(int(parts["year"]), month, day)
            except ValueError:
                continue
    return None


def find_date(text: str) -> str | None:
    """The first calendar date in `text` as ISO 8601 (with HH:MM when a time sits next to it), or None."""
    found = _date_match(text)
    if found is None:
        return None
    match, date = found
    near = text[max(0, match.start() - 12):match.start()] + " | " + text[match.end():match.end() + 16]
    time = _TIME.search(near)
    if time is None:
        return date.date().isoformat()
    hour, ampm = int(time["h"]), (time["ampm"] or "").lower().replace(".", "")
    hour = hour % 12 + (12 if ampm == "pm" else 0) if ampm else hour
    return f"{date.date().isoformat()}T{hour:02d}:{int(time['m']):02d}"


def _is_date_line(text: str) -> bool:
    """A line that is a date and little else ("Published: 12 March 2025, 09:14 GMT")."""
    found = _date_match(text)
    if found is None:
        return False
    rest = _TIME.sub(" ", text[:found[0].start()] + " " + text[found[0].end():])
    others = len(re.findall(r"[^\W\d_]{2,}", rest))
    if _DATE_LABEL.match(text):
        return others <= 8
    return others <= 4 and not (others >= 3 and text.endswith("."))  # "The vote is on 7 May 2025."


# --- single-line furniture ---------------------------------------------------------------

# Whole-line UI strings: menus, share bars, app badges, widgets (compared case-insensitively,
# without trailing punctuation).
_UI_LINES = frozenset(phrase.strip() for phrase in """
twitter|x|youtube|instagram|facebook|telegram|whatsapp|linkedin|pinterest|reddit|tiktok|threads|flipboard
|vk|vkontakte|вконтакте|вк|одноклассники|дзен|rutube|email|e-mail|correio|print|imprimir|печать|share
|share this|share this story|share this article|shares|partilhar|partilhe|partilhe este artigo|compartilhar
|compartilhe|поделиться|скопировать ссылку|copy link|copy|copiar link|link copiado|link copied
|ссылка скопирована|search|buscar|pesquisar|pesquisa|поиск|menu|меню|home|início|inicio|главная|log in|login
|sign in|sign up|sign out|register|entrar|sair|войти|регистрация|subscribe|assine|assinar|subscrever
|подписаться|newsletter|newsletters|ads|ad|advertisement|publicidade|anúncio|реклама|sponsored|patrocinado
|loading|carregando|загрузка|placeholder|gotop|go to top|back to top|voltar ao topo|наверх|quote|night_theme
|dark mode|modo escuro|тёмная тема|темная тема|apple store|app store|google play|play market|comment
|comments|comentar|comentários|комментарии|комментировать|reply|responder|ответить|save|guardar|salvar
|сохранить|skip to content|skip to main content|ir para o conteúdo|перейти к содержанию|accept|accept all
|reject all|manage preferences|cookie settings|ok|хорошо|prosseguir|continuar|listen|ouvir este artigo
|слушать|more|mais|ещё|еще|see more|ver mais|показать еще|load more|close|fechar|закрыть|next|previous
|anterior|próximo|далее|назад|watch|assistir|смотреть|video|vídeo|видео|photo|foto|фото|gallery|galeria
|галерея|live|ao vivo|онлайн
""".replace("\n", "").split("|"))

# Furniture recognised by how a line starts (matched at the start of the lowercased line).
_NOISE_START = re.compile("|".join((
    r"(?:views|просмотр\w*|visualizações|leituras)\s*:?\s*[\d\s.,k]+$",
    r"\d[\d\s.,k]*\s*(?:comments?|comentários|коммент\w*|views|shares|просмотр\w*)$",
    r"(?:comments|comentários|комментарии)\s*\(\d+\)$",
    r"(?:partilh|compartilh|поделит)\w*\b.{0,60}$",
    r"follow us\b|siga[- ]nos\b|like us on\b|follow .{1,30} on (?:twitter|x|facebook|instagram)",
    r"(?:photo|image|illustration|picture|video|chart|graphic|foto|imagem|ilustração|vídeo|gráfico|фото|иллюстрация"
    r"|видео|график)\s*(?:by\b|:)",
    r"(?:image |photo )?caption\b|(?:listen|ouça|ouvir|escute|слушать|прослушать)\b.{0,40}$",
    r"(?=(?:\S+\s+){0,5}\S+$).*\b(?:advertis\w*|publicidade|реклам\w*|anúncio|patrocinad\w*|sponsored)\b",
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled) by\b|our standards:|contributing:",
    r"(?:this (?:article|story|post) )?(?:was )?(?:originally|first) (?:published|appeared)"
    r"|this (?:article|story) appeared (?:in|on)\b",
    r"skip to\b",
    r"(?:updated|atualizad[oa]|actualizad[oa]|обновлено)?\s*:?\s*(?:há\s+)?\d+\s+"
    r"(?:minutes?|hours?|days?|minutos?|horas?|dias?|минут\w*|час\w*|дн\w*)(?:\s+(?:ago|atrás|назад))?$",
    r"(?:updated|atualizado)\s+(?:\d+\s+\w+\s+)?ago$",
    r"\d{1,3}\+$",
)))

# Furniture by its wording, whatever the line's form: legal lines, cookie consent, calls to action
# addressed to the reader ("Sign up for our newsletter", "Click here to subscribe", "you agree to"),
# share, comment and app prompts, caption credits. Searched in the lowercased line with its quotations
# taken out (`_unquoted`): a report that quotes a banner or a scam text is still a report.
_FURNITURE = re.compile("|".join((
    r"©(?=.{0,60}(?:19|20)\d\d)|(?:19|20)\d\d\s*©|\bcopyright\s*(?:(?:©|\(c\))\s*)?(?:(?:19|20)\d\d\b|©)"
    r"|all rights reserved|todos os direitos reservados|все права защищены",
    r"any use of materials|use of (?:the )?materials is|использовании материалов.{0,40}(?:ссылка|гиперссылка)"
    r"|reprodução (?:total ou parcial )?proibida|proibida a reprodução|\bwe own the copyright"
    r"|\b(?:reuse|republish|reproduce) (?:any |this |our )?(?:content|article|material)",
    r"\b\d+\s*(?:min(?:ute)?s?|мин)\.?\s*(?:read|de leitura)\b",
    r"share-line|liked the story|gostou d[ae]\w* (?:matéria|artigo|notícia|texto)",
    r"fique por dentro|\bse inscreva\b|\bnosso canal\b|наш (?:telegram-)?канал"
    r"|our (?:youtube |telegram |whatsapp )?channel|мы в соцсетях|подписывайтесь|подпишитесь",
    # English has no imperative form: a call to action opens its sentence ("Sign up now"), or its clause when
    # it is a click ("To subscribe, click here"); "told to click here to pay" is a report
    r"(?:^\W*|[.!?;|•·—–]\s*\(?)(?:please\s+)?(?:sign up|subscribe|click here|tap here|click (?:on )?(?:the|this) link"
    r"|register (?:now|here|today|for free)|share (?:it|this|on)\b)|,\s*(?:click|tap) here\b",
    r"^(?:enjoy|discover|explore|try|listen to|watch) (?:more|our|unlimited)\b|^(?:get|read) (?:our|unlimited)\b",
    r"\b(?:sign up|subscribe|register)\b.{0,20}\b(?:to|for) our\b|\b(?:subscribe|sign up) now\b|\bfree sign ?up\b"
    r"|\bsign up to (?:receive|get)\b|\bnever miss (?:our|a|another)\b|subscribe to (?:her|his|their|my) \w+"
    r"|inscreva-se|cadastre-se"
    r"|\b(?:assine|subscreva) (?:já|agora|a (?:nossa )?newsletter|o nosso)",
    r"\byou agree\b|\byour inbox\b|\benter (?:your )?e-?mail|\bunsubscribe (?:at any time|anytime)|\bno spam\b"
    r"|\bby (?:signing up|subscribing|registering|continuing to (?:browse|use))\b|(?:improve|enhance|personali[sz]e)"
    r" your (?:browsing |user )?experience|uses? cookies to (?:give|offer|provide|improve|enhance) you",
    r"\bao (?:subscrever|assinar|se (?:cadastrar|inscrever)|continuar a? ?naveg)|\bvocê concorda\b"
    r"|\baceita (?:os|as) (?:termos|condições)|melhorar (?:a )?sua experiência",
    r"вы соглашаетесь|продолжая пользоваться сайтом|на вашу почту|\bваш e-?mail",
    r"\b(?:we|this (?:site|website)) uses? cookies|\b(?:utiliz|us)amos cookies"
    r"|(?:este|o nosso) site (?:utiliza|usa) cookies|используем (?:файлы )?cookie",
    r"leave (?:a|the first) comment|join the conversation|your opinion on this|comments are closed"
    r"|deixe (?:o )?seu comentário|seja o primeiro a comentar|ainda não tem comentários|оставить комментарий"
    r"|добавления комментария|комментарии закрыты|os comentários são de responsabilidade",
    r"download (?:our|the) app|baixe o (?:nosso )?app|скачайте (?:наше )?приложение",
    r"exclusiv\w* (?:para|for|to) (?:assinantes|subscribers)|subscribers? only|only (?:for|to) subscribers|assine já"
    r"|já é assinante|already a subscriber|только для подписчиков|оформите подписку",
    r"\bclique aqui\b|нажмите здесь|\breceba\b.{0,40}\b(?:notícias|newsletter|e-?mail|whatsapp|telegram)\b",
    r"[—–-] (?:foto|photo|фото|imagem)\s*:|\b(?:photo|foto|фото|imagem|image|chart|gráfico|график)\s*:\s*[^.:]{2,50}$"
    r"|\((?:photo|foto|фото)\b|\b(?:reuters|ap photo|afp|epa|getty images)\s*/|\bimage (?:copyright|caption)\b"
    r"|(?:/\s*(?:[^/()]{0,30}\s)?|\bvia |\bcredit:\s*)(?:getty images|shutterstock|alamy|corbis)|getty images\W*$"
    r"|\bcredit:\s*(?:copyright|©)|purchase licensing rights|\btoggle caption\b|\benlarge this image\b",
    r"contributed to this (?:report|article|story)",
    # notices of archives and embeds that stand in for a page: the Wayback Machine's crawl notes, Twitter's
    # location prompt, mailing-list forms
    r"donating their crawl data|added to the wayback machine|these crawls are part of|crawls of supported"
    r"|the seed for wide\d+|slash pages from every domain|inter-domain (?:navigational )?link"
    r"|tweet with a location|add location information to your tweets|tweet location history"
    r"|join our mailing list",
    r"opens? (?:in )?(?:a )?new (?:tab|window)|what are you looking for|ctrl\s*\+\s*enter|нашли ошибку",
    r"\bis an? (?:senior |chief |staff |freelance |political |business )?(?:reporter|correspondent|journalist|editor"
    r"|writer)\b(?! (?:said|says|told))",
)))

# Words that page furniture uses but news reports on too (copyright law, a newsletter launch, a privacy
# ruling, cookie rules, a "click here" scam): furniture only on a line, or an item between separators, of at
# most `_SHORT_WORDS` words (a footer link, a tag, a sign-up box title), never in a sentence or a headline.
_TOPIC = re.compile("|".join((
    r"©|\bcopyright\b|direitos reservados",
    r"\bnewsletters?\b|\bsign[- ]?up\b|\bsubscri(?:be|ption)\b|\bassin(?:e|ar|atura)\b|\bsubscrev\w*"
    r"|рассылк|подписк|подписаться",
    r"\bclick here\b|\bshare (?:it|this|on)\b|google (?:discover|news)\b|\bon (?:ios|android)\b"
    r"|acesso ilimitado|unlimited access|reading time|время чтения|tempo de leitura|getty images|shutterstock",
    r"\bcookies?\b|файл\w* cookie",
    r"\b(?:terms (?:of (?:use|service)|and conditions)|privacy (?:policy|notice)|política de privacidade"
    r"|политика конфиденциальности|пользовательское соглашение|termos de (?:uso|utilização)|ficha técnica"
    r"|estatuto editorial|свидетельство о регистрации|press standards|использовании материалов)\b",
)))
_SHORT_WORDS = 3

# Quoted passages: what someone said or wrote, which a report quotes ("a banner reading 'We use cookies'").
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|„[^“”]*[“”]|‘[^’]{0,200}’|(?<!\w)'[^'\n]{1,200}'(?!\w)")
# A footer or menu: three or more short items between separators ("Privacy | Terms | Contact").
_MENU_SEPARATOR = re.compile(r"\s+[|·•]\s+")


def _unquoted(low: str) -> str:
    return _QUOTED.sub(" ", low)


def _is_menu(text: str) -> bool:
    items = _MENU_SEPARATOR.split(text)
    return len(items) >= 3 and all(len(_words(item)) <= 6 and not _SENTENCE_END.search(item) for item in items)


def _is_noise(text: str) -> bool:
    """Page furniture by its wording (see `_FURNITURE`, `_TOPIC`); a long paragraph is only checked at its start."""
    low = text.lower()  # faster than IGNORECASE over a hundred alternatives
    if _NOISE_START.match(low):
        return True
    bare = _unquoted(low if len(low) <= 600 else low[:200])
    if _FURNITURE.search(bare):
        return True
    # a short line, or a short item of a footer ("Privacy policy | Terms of use")
    return bool(_TOPIC.search(bare)) and any(len(_words(item)) <= _SHORT_WORDS and _TOPIC.search(item)
                                             for item in _MENU_SEPARATOR.split(bare))


# "Read next"-style markers: what follows is other stories (or comments), not this article.
_END_MARKERS = re.compile(
    r"^(?:read next|what to read next|most read|most popular|more stories|more from\b.*|more in\b.*|more on\b.*"
    r"|latest(?: news| stories)?|top stories|recommended(?: for you| stories)?|you (?:may|might) also like|trending"
    r"|popular|sponsored content|from our partners|partner content|comments|disclaimer\b.*|mais lidas"
    r"|mais \w+|últimas(?: notícias)?|recomendados|comentários"
    r"|самое (?:читаемое|популярное|интересное)|лента новостей|последние новости|новости партнеров|новости партнёров"
    r"|комментарии|обсуждение|другие новости|рекомендуем|главное|ещё по теме|еще по теме"
    # the company or author blurb and press contacts that close press releases and columns
    r"|about (?:the authors?|us|\S+(?: \S+){0,4})|sobre (?:o autor|a autora|nós|a empresa)|об авторе|о компании"
    r"|(?:media|press) contacts?|contactos? (?:de|para) (?:imprensa|media)|контакты для сми"
    r"|forward-looking statements)\s*:?$",
    re.IGNORECASE)

# "Related"/"See also" markers: a short list of links follows, then the article may go on.
_BLOCK_MARKERS = re.compile(
    r"^(?:related(?: articles| stories| content| topics| coverage| news)?|read more|read also|also read|see also"
    r"|suggested topics|topics|tags|filed under|leia (?:também|mais)|veja (?:também|mais)|saiba mais|tópicos|tags"
    r"|artigos relacionados|notícias relacionadas|relacionad[ao]s|читайте также|также по теме|по теме|смотрите также"
    r"|теги|тэги|темы)\s*:?(?P<rest>\s.*)?$",
    re.IGNORECASE)

# "PHOTOS: Tony Scott's films", "BLOG: Why ...": a labelled link to another page (case matters).
_LABELLED_LINK = re.compile(r"^(?:[A-Z]{3,}|[А-ЯЁ]{3,}):\s+[^.!]*$")
_BYLINE = re.compile(r"^(?:by|por|de|author|autor|автор|текст)\s*:?\s+(?P<name>\S.*)$", re.IGNORECASE)
_SOURCE = re.compile(r"^(?:source\s*[:\-–—]?|(?:fonte|via|источник|url|link|original)\s*[:\-–—])\s*(?P<value>\S.*)$",
                     re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_BULLET = re.compile(r"^(?:[-–•*·▪]|\d{1,2}[.)])\s+\S")
# A sentence ends in . ! ? … or : (a list follows), possibly inside closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")


def _normalise(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(line.split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_byline(text: str) -> bool:
    match = _BYLINE.match(text)
    if match is None or len(_words(text)) > 12 or text.endswith("."):
        return False
    names = _words(match["name"])[:2]
    return bool(names) and all(n[:1].isupper() for n in names) and (len(names) == 2 or len(_words(text)) <= 4)


def _is_source(text: str) -> bool:
    match = _SOURCE.match(text)
    return match is not None and (bool(_URL.fullmatch(match["value"])) or len(_words(match["value"])) <= 5)


def _is_ui(text: str) -> bool:
    key = text.lower().strip(" :.!|–—-")
    if key in _UI_LINES or not re.search(r"[^\W\d_]", text):
        return True
    # single short tokens ("ru", "arm", "A+") and snake_case widget names
    return " " not in key and (len(key) <= 3 or "_" in key)


def _kind(text: str) -> str:
    """What a single line is, judged on its own."""
    if not text:
        return BLANK
    if _END_MARKERS.match(text):
        return END
    if _BLOCK_MARKERS.match(text) and len(_words(text)) <= 16:
        return BLOCK
    if _is_source(text) or _is_byline(text) or _is_date_line(text):
        return META
    if (_is_ui(text) or _is_noise(text) or _is_menu(text) or _LABELLED_LINK.match(text) or _TIME_ONLY.match(text)
            or _YEARLESS_DATE.match(text)
            or (_EMAIL.search(text) and len(_words(text)) <= 20)):
        return NOISE
    return TEXT


# --- page structure ----------------------------------------------------------------------

@dataclass
class _Line:
    text: str
    kind: str
    words: int
    sentence: bool  # reads like prose
    bullet: bool
    heading: bool  # short, no final punctuation: a headline, subheading or link


def _line(text: str) -> _Line:
    kind = _kind(text)
    words = len(_words(text))
    upper = text.upper() == text and any(c.isalpha() for c in text)
    sentence = kind == TEXT and not upper and ((words >= 3 and bool(_SENTENCE_END.search(text))) or words >= 25)
    bullet = kind == TEXT and bool(_BULLET.match(text))
    heading = kind == TEXT and not sentence and not bullet and not upper and 4 <= words <= 25
    return _Line(text, kind, words, sentence, bullet, heading)


def _wrap_width(texts: list[str]) -> int:
    """The width most lines stay within (a long headline or URL above it does not count)."""
    lengths = sorted(len(t) for t in texts if t)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _is_wrapped(texts: list[str]) -> bool:
    """Prose hard-wrapped at a fixed width (an e-mail, a terminal): most lines that continue are
    long for the page and stop mid-sentence. Pasted web pages put a paragraph on one long line."""
    width = _wrap_width(texts)
    continued = [t for t, after in itertools.pairwise(texts) if t and after]
    wrapped = [t for t in continued if len(t) >= 0.6 * width and not _SENTENCE_END.search(t)]
    return 0 < width <= 100 and len(continued) >= 4 and len(wrapped) >= 0.5 * len(continued)


def _unwrap(texts: list[str]) -> list[list[int]]:
    """Groups of physical lines that form one logical line (one group per line unless wrapped)."""
    if not _is_wrapped(texts):
        return [[i] for i in range(len(texts))]
    width = _wrap_width(texts)
    groups: list[list[int]] = []
    for i, text in enumerate(texts):
        last = groups[-1][-1] if groups else None
        if (last is not None and text and texts[last] and len(texts[last]) >= 0.6 * width
                and not _BULLET.match(text)):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _mark_repeats(lines: list[_Line]) -> None:
    """Lines printed twice are furniture (menus, teasers); a repeated sentence keeps its first copy."""
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.kind in (TEXT, NOISE, META):
            seen.setdefault(line.text.lower(), []).append(i)
    for where in seen.values():
        if len(where) > 1:
            for i in where[1:] if lines[where[0]].sentence else where:
                lines[i].kind = NOISE
    _mark_teaser_copies(lines, [where[0] for text, where in seen.items() if len(text) >= 40])


def _mark_teaser_copies(lines: list[_Line], candidates: list[int]) -> None:
    """A line that is the start or end of a longer one: a teaser, and a title+teaser line holding it."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i in candidates:
        low = lines[i].text.lower()
        groups.setdefault(("head", low[:40]), []).append(i)
        groups.setdefault(("tail", low[-40:]), []).append(i)
    for group in groups.values():
        if len(group) < 2:
            continue
        short = min(group, key=lambda i: len(lines[i].text))
        if any(lines[short].text.lower() in lines[i].text.lower() for i in group if i != short):
            for i in group:
                lines[i].kind = NOISE


def _next_text(lines: list[_Line], i: int) -> int | None:
    """Index of the next non-blank line after i."""
    return next((j for j in range(i + 1, len(lines)) if lines[j].kind != BLANK), None)


def _resumes(lines: list[_Line], i: int) -> bool:
    """Two prose lines in a row at i: the article goes on (teaser lists interleave times and labels)."""
    j = _next_text(lines, i)
    return j is not None and all(line.kind == TEXT and line.sentence and line.words >= 8
                                 for line in (lines[i], lines[j]))


def _marker_rest(text: str) -> str:
    """The link text on a "Read more: ..." line itself, if any."""
    match = _BLOCK_MARKERS.match(text)
    return (match["rest"] or "").strip() if match else ""


def _apply_markers(lines: list[_Line], drop: list[bool]) -> None:
    """Drop what follows "Read next" (until the article resumes) and the lists after "Related"."""
    i, prose_seen = 0, False
    while i < len(lines):
        prose_seen = prose_seen or (lines[i].kind == TEXT and lines[i].sentence and lines[i].words >= 8)
        # In a menu above the article, "Latest" is just a link; below it, "Source: ..." closes it.
        if prose_seen and (lines[i].kind == END or _is_source(lines[i].text)):
            i += 1
            while i < len(lines) and not _resumes(lines, i):
                drop[i] = True
                i += 1
        elif lines[i].kind == BLOCK and not _marker_rest(lines[i].text):
            i = _drop_list(lines, drop, i + 1)
        else:
            i += 1


def _drop_list(lines: list[_Line], drop: list[bool], i: int) -> int:
    """Drop the short lines of a link list starting at i; stop at prose or a blank after an item."""
    items = 0
    while i < len(lines) and items < 12:
        line = lines[i]
        if line.kind == BLANK:
            if items:
                break
        elif line.sentence and line.kind == TEXT:
            break
        else:
            drop[i] = True
            items += 1
        i += 1
    return i


def _score(line: _Line) -> float:
    """Evidence for 'article' (prose, by length) against 'page' (furniture, short lines)."""
    if line.kind == BLANK:
        return 0.0
    if line.kind != TEXT:
        return -6.0
    if line.sentence:
        return float(min(line.words, 25))
    return 1.0 if line.bullet and line.words >= 3 else -2.0


def _region(lines: list[_Line], drop: list[bool]) -> tuple[int, int]:
    """[start, end) of the maximum-sum stretch of line scores; empty when no prose at all."""
    best, best_span, total, start = 0.0, (0, 0), 0.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        total += -6.0 if drop[i] else _score(line)
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


# --- inside and above the article --------------------------------------------------------

_STOPWORDS = frozenset([
    "this", "that", "with", "from", "have", "will", "were", "been", "they", "their", "there", "which", "what",
    "when", "where", "about", "after", "into", "over", "more", "than", "also", "said", "says", "para", "como",
    "pelo", "pela", "pelos", "pelas", "está", "foram", "sobre", "mais", "isso", "esta", "este", "essa", "esse",
    "entre", "quando", "onde", "após", "ainda", "которые", "который", "также", "после", "было", "были", "этот",
    "этой", "того", "чтобы", "когда"
])


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _words(text) if len(w) >= 4 and w.lower() not in _STOPWORDS}


def _is_teaser(lines: list[_Line], i: int) -> bool:
    """A headline-like line (7+ words) sharing no word with the paragraph after it links elsewhere."""
    line = lines[i]
    j = _next_text(lines, i)
    if not line.heading or line.words < 7 or j is None or not lines[j].sentence:
        return False
    return not _stems(line.text) & _stems(lines[j].text)


def _drop_pull_quotes(lines: list[_Line], keep: list[bool], start: int, end: int) -> None:
    """A quoted line without a full stop whose words mostly repeat another paragraph is a pull quote."""
    kept = [i for i in range(start, end) if keep[i]]
    for i in kept:
        line = lines[i]
        if not line.heading or line.text[:1] not in "\"“«'‘„":
            continue
        stems = _stems(line.text)
        if len(stems) >= 4 and any(len(stems & _stems(lines[j].text)) >= 0.7 * len(stems) for j in kept if j != i):
            keep[i] = False


def _drop_link_runs(lines: list[_Line], keep: list[bool], start: int, end: int) -> None:
    """Three or more short non-list lines in a row inside the article are a list of links."""
    run: list[int] = []
    for i in range(start, end + 1):
        line = lines[i] if i < end else None
        if line is not None and line.kind == BLANK:
            continue
        if line is not None and keep[i] and not line.sentence and not line.bullet:
            run.append(i)
            continue
        if len(run) >= 3:
            for k in run:
                keep[k] = False
        run = []


def _header_window(lines: list[_Line], start: int) -> list[int]:
    """Non-blank lines above the article's first prose line, nearest first, up to a related-links list."""
    window: list[int] = []
    i = start - 1
    while i >= 0 and len(window) < 16 and lines[i].kind != BLOCK:
        if lines[i].kind != BLANK:
            window.append(i)
        i -= 1
    return window


def _in_byline(lines: list[_Line], i: int) -> bool:
    """A short line touching a date or byline line ("Da Redação, em Brasília") is part of the byline."""
    touching = [lines[j].kind for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    return lines[i].words <= 4 and META in touching


def _header(lines: list[_Line], start: int) -> tuple[int | None, list[int]]:
    """The headline and standfirst above the article's first prose line.

    Headlines sit above the byline and date; heading-like lines between the date and the body are
    captions and alt texts. Without a date or byline, the nearest heading-like line is the headline.
    """
    window = _header_window(lines, start)
    meta = next((k for k, i in enumerate(window) if lines[i].kind == META), None)
    order = window
    if meta is not None:  # above the date first, then between it and the body, topmost first
        order = window[meta + 1:] + window[:meta][::-1]
    candidates = [i for i in order if lines[i].heading and not _in_byline(lines, i)]
    if not candidates:
        return None, []
    title = candidates[0]
    above = _next_above(lines, title)
    if above is not None and lines[above].heading and not _in_byline(lines, above):
        title = above  # a headline, then a standfirst without a full stop
    limit = next((i for i in reversed(window) if i > title and lines[i].kind == META), start)
    standfirst = [i for i in range(title + 1, limit)
                  if lines[i].kind == TEXT and (lines[i].sentence or lines[i].heading) and not _in_byline(lines, i)]
    return title, standfirst


def _next_above(lines: list[_Line], i: int) -> int | None:
    return next((j for j in range(i - 1, -1, -1) if lines[j].kind != BLANK), None)


def _trailing_list(lines: list[_Line], drop: list[bool], end: int) -> int:
    """Extend the article over a list that its last line introduces ("... include:")."""
    last = _next_above(lines, end)
    if last is None or not lines[last].text.endswith(":"):
        return end
    i = end
    while i < len(lines) and (lines[i].kind == BLANK or (lines[i].bullet and not drop[i])):
        i += 1
    return i


@dataclass(frozen=True)
class _Page:
    mask: list[bool]  # per logical line
    title: int | None
    lines: list[_Line]  # logical lines: physical ones, or a hard-wrapped paragraph joined
    groups: list[list[int]]  # the physical lines behind each logical line
    end: int  # where "Read next"-style material begins (metadata below it is other stories')


def _keep_article(lines: list[_Line], drop: list[bool], start: int, end: int) -> list[bool]:
    """Which lines of the article stretch [start, end) are its text."""
    keep = [False] * len(lines)
    end = _trailing_list(lines, drop, end)
    for i in range(start, end):
        keep[i] = lines[i].kind == TEXT and not drop[i] and not _is_teaser(lines, i) and not _in_byline(lines, i)
    _drop_link_runs(lines, keep, start, end)
    _drop_pull_quotes(lines, keep, start, end)
    return keep


def _analyse(raw_lines: list[str]) -> _Page:
    """Run the stages in the module docstring over one page."""
    texts = [_normalise(raw) for raw in raw_lines]
    groups = _unwrap(texts)
    lines = [_line(" ".join(texts[i] for i in group)) for group in groups]
    _mark_repeats(lines)
    drop = [False] * len(lines)
    _apply_markers(lines, drop)
    start, end = _region(lines, drop)
    if end <= start:  # no prose at all
        return _Page([False] * len(lines), None, lines, groups, len(lines))
    keep = _keep_article(lines, drop, start, end)
    title, standfirst = _header(lines, start)
    for i in ([title] if title is not None else []) + standfirst:
        keep[i] = True
    cut = next((i for i, line in enumerate(lines) if line.kind == END and i >= start), len(lines))
    return _Page(keep, title, lines, groups, cut)


def body_mask(lines: list[str]) -> list[bool]:
    """For each line, True when it is article text (headline, standfirst, body), False for boilerplate."""
    page = _analyse(lines)
    mask = [False] * len(lines)
    for keep, group in zip(page.mask, page.groups, strict=True):
        for i in group:
            mask[i] = keep
    return mask


def _source_lines(page: _Page, order: list[int]) -> tuple[str | None, str | None]:
    """(url, source) from `Source: https://...` and `Source Name` lines; the source defaults to the host."""
    url = source = None
    for i in order:
        match = _SOURCE.match(page.lines[i].text)
        if match and page.lines[i].kind == META and _is_source(page.lines[i].text):
            value = match["value"].strip()
            if _URL.fullmatch(value):
                url = url or value
            else:
                source = source or value
    if source is None and url is not None:
        host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0]
        source = host[4:] if host.startswith("www.") else host
    return url, source


def _metadata(page: _Page) -> tuple[str | None, str | None, str | None]:
    """(published, url, source), looking from the headline down to any "Read next" list, then above it."""
    first = page.title if page.title is not None else 0
    order = [*range(first, page.end), *range(first)]
    published = next((find_date(page.lines[i].text) for i in order
                      if page.lines[i].kind == META and _is_date_line(page.lines[i].text)), None)
    url, source = _source_lines(page, order)
    dated = re.search(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)/", url or "")
    if published is None and dated:  # news URLs often carry the date: /2025/01/07/slug
        published = find_date("-".join(dated.groups()))
    return published, url, source


def clean(text: str) -> Cleaned:
    """The article body of a pasted page, with its headline, date, URL and source."""
    raw_lines = text.splitlines()
    page = _analyse(raw_lines)
    body = [line.text for i, line in enumerate(page.lines) if page.mask[i] and i != page.title]
    removed = sum(len(page.groups[i]) for i, line in enumerate(page.lines) if line.kind != BLANK and not page.mask[i])
    published, url, source = _metadata(page)
    title = page.lines[page.title].text if page.title is not None else None
    return Cleaned("\n\n".join(body), removed, title, published, url, source)
