"""One line of a pasted page, judged on its own: blank, page furniture (menus, share and cookie prompts,
captions, counters, legal lines, calls to action), metadata (dates, bylines, `Source:` lines), list
markers ("Read next", "Leia também") or text; and, for text, whether it reads as a sentence, a list
item or a heading. `unwrap` first joins hard-wrapped prose back into one logical line per paragraph.

Furniture is judged by form, not topic: see `_FURNITURE` (any line, quotations taken out) and
`_TOPIC` (only a short line or a footer item).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from .dates import is_date_line, is_time_or_day
from .text import LIST_ITEM, SENTENCE_END

__all__ = ["BLANK", "BLOCK", "END", "META", "NOISE", "SOURCE", "TEXT", "URL", "Line", "is_source", "marker_rest",
           "normalise", "read_line", "unwrap", "words_in"]

# Line kinds.
BLANK, TEXT, NOISE, META, END, BLOCK = "blank", "text", "noise", "meta", "end", "block"

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
_QUOTED = re.compile(r"\"[^\"]*\"|“[^“”]*”|«[^«»]*»|„[^„“”]*[“”]|‘[^‘’]{0,200}’|(?<!\w)'[^'\n]{1,200}'(?!\w)")
# A footer or menu: three or more short items between separators ("Privacy | Terms | Contact").
_MENU_SEPARATOR = re.compile(r"\s+[|·•]\s+")


def _unquoted(low: str) -> str:
    return _QUOTED.sub(" ", low)


def _is_menu(text: str) -> bool:
    items = _MENU_SEPARATOR.split(text)
    return len(items) >= 3 and all(len(words_in(item)) <= 6 and not SENTENCE_END.search(item) for item in items)


def _is_noise(text: str) -> bool:
    """Page furniture by its wording (see `_FURNITURE`, `_TOPIC`); a long paragraph is only checked at its start."""
    low = text.lower()  # faster than IGNORECASE over a hundred alternatives
    if _NOISE_START.match(low):
        return True
    bare = _unquoted(low if len(low) <= 600 else low[:200])
    if _FURNITURE.search(bare):
        return True
    # a short line, or a short item of a footer ("Privacy policy | Terms of use")
    return bool(_TOPIC.search(bare)) and any(len(words_in(item)) <= _SHORT_WORDS and _TOPIC.search(item)
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
SOURCE = re.compile(r"^(?:source\s*[:\-–—]?|(?:fonte|via|источник|url|link|original)\s*[:\-–—])\s*(?P<value>\S.*)$",
                     re.IGNORECASE)
URL = re.compile(r"https?://\S+")
# An address starts where a token does (the lookbehind), with RFC 5321's length limits: each position of a long
# word is tried once, not scanned again from every later one (linear, not quadratic).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def normalise(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(line.split())


def words_in(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_byline(text: str) -> bool:
    match = _BYLINE.match(text)
    if match is None or len(words_in(text)) > 12 or text.endswith("."):
        return False
    names = words_in(match["name"])[:2]
    return bool(names) and all(n[:1].isupper() for n in names) and (len(names) == 2 or len(words_in(text)) <= 4)


def is_source(text: str) -> bool:
    match = SOURCE.match(text)
    return match is not None and (bool(URL.fullmatch(match["value"])) or len(words_in(match["value"])) <= 5)


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
    if _BLOCK_MARKERS.match(text) and len(words_in(text)) <= 16:
        return BLOCK
    if is_source(text) or _is_byline(text) or is_date_line(text):
        return META
    if (_is_ui(text) or _is_noise(text) or _is_menu(text) or _LABELLED_LINK.match(text) or is_time_or_day(text)
            or (_EMAIL.search(text) and len(words_in(text)) <= 20)):
        return NOISE
    return TEXT


@dataclass
class Line:
    """A logical line of the page: its text, its kind (`_kind`) and, for text, its form."""

    text: str
    kind: str
    words: int
    sentence: bool  # reads like prose
    bullet: bool
    heading: bool  # short, no final punctuation: a headline, subheading or link


def read_line(text: str) -> Line:
    kind = _kind(text)
    words = len(words_in(text))
    upper = text.upper() == text and any(c.isalpha() for c in text)
    sentence = kind == TEXT and not upper and ((words >= 3 and bool(SENTENCE_END.search(text))) or words >= 25)
    bullet = kind == TEXT and bool(LIST_ITEM.match(text))
    heading = kind == TEXT and not sentence and not bullet and not upper and 4 <= words <= 25
    return Line(text, kind, words, sentence, bullet, heading)


def _wrap_width(texts: list[str]) -> int:
    """The width most lines stay within (a long headline or URL above it does not count)."""
    lengths = sorted(len(t) for t in texts if t)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _is_wrapped(texts: list[str]) -> bool:
    """Prose hard-wrapped at a fixed width (an e-mail, a terminal): most lines that continue are
    long for the page and stop mid-sentence. Pasted web pages put a paragraph on one long line."""
    width = _wrap_width(texts)
    continued = [t for t, after in itertools.pairwise(texts) if t and after]
    wrapped = [t for t in continued if len(t) >= 0.6 * width and not SENTENCE_END.search(t)]
    return 0 < width <= 100 and len(continued) >= 4 and len(wrapped) >= 0.5 * len(continued)


def unwrap(texts: list[str]) -> list[list[int]]:
    """Groups of physical lines that form one logical line (one group per line unless wrapped)."""
    if not _is_wrapped(texts):
        return [[i] for i in range(len(texts))]
    width = _wrap_width(texts)
    groups: list[list[int]] = []
    for i, text in enumerate(texts):
        last = groups[-1][-1] if groups else None
        if (last is not None and text and texts[last] and len(texts[last]) >= 0.6 * width
                and not LIST_ITEM.match(text)):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def marker_rest(text: str) -> str:
    """The link text on a "Read more: ..." line itself, if any."""
    match = _BLOCK_MARKERS.match(text)
    return (match["rest"] or "").strip() if match else ""
