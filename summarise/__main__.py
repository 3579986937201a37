"""`python -m summarise`: the `summarise` command."""

from .cli import main

main()
