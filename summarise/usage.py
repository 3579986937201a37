"""What `summarise -h` and `summarise COMMAND -h` say besides the flags: each command's one-line summary, short
enough for the command list of an 80-column terminal, and a few examples to copy (the epilog of its help)."""

from __future__ import annotations

SUMMARY = {
    "brief": "Brief a day's articles and feeds: briefing.md and .json.",
    "story": "Brief the given files as one story and print it.",
    "detect": "Print the language of each file or stdin line.",
    "translate": "Print the English translation of one article.",
    "digest": "Brief the day and email the stories not sent before.",
    "schedule": "Print a crontab line that runs the digest daily.",
    "stories": "List the stories followed from day to day.",
    "stories show": "Print one story's history, day by day.",
    "cache": "Show or clear the cache that re-runs reuse.",
    "cache stats": "Print each cache's entries, hits and misses.",
    "cache clear": "Delete cached entries; briefings and state stay.",
}

_EXAMPLES = {
    "brief": [
        ("summarise brief ~/news/2025-06-20", "a day's folder of articles"),
        ("summarise brief --feeds feeds.txt --since 12h", "the feeds' entries of the last 12 hours"),
        ("summarise brief seeds -o - | less", "print briefing.md instead of writing it"),
        ("summarise brief seeds -o - --format json | jq '.clusters[].title'", "or as JSON, for a program"),
    ],
    "story": [
        ("summarise story a.txt b.html", "one story, as Markdown"),
        ("summarise story a.txt b.html --json | jq .short", "or as JSON"),
    ],
    "detect": [
        ("summarise detect seeds/*.txt", "file, language, confidence"),
        ("echo 'Правительство утвердило бюджет' | summarise detect", "one text per line of stdin: ru"),
    ],
    "translate": [
        ("summarise translate article.txt", "the language is detected"),
        ("summarise translate article.txt --from ru", "or say which language it is in"),
    ],
    "digest": [
        ("summarise digest ~/news/today --to me@example.org --dry-run", "write briefing.eml, send nothing"),
        ("summarise digest --feeds feeds.txt", "mail the day's new stories"),
        ("summarise digest", "only send what waits in the outbox"),
    ],
    "schedule": [
        ("summarise schedule --feeds feeds.txt --to me@example.org --check", "try the job once now"),
        ("(crontab -l; summarise schedule --feeds ~/feeds.txt --at 06:30) | crontab -", "install it"),
    ],
    "stories": [
        ("summarise stories", "id, first and last day, days briefed, title"),
        ("summarise stories show 3f2a9c1d0b7e", "what was new each day"),
    ],
    "cache": [
        ("summarise cache stats", "what the cache holds, and how often re-runs used it"),
        ("summarise cache clear --kind translations", "e.g. after changing a translation model"),
    ],
}


def examples(command: str) -> str:
    """The examples of `command` as an epilog for click: a `\\b` paragraph, printed as written."""
    lines = []
    for example, note in _EXAMPLES[command]:
        lines += ([f"  # {note}"] if note else []) + [f"  {example}"]
    return "Examples:\n\n\b\n" + "\n".join(lines)
