"""Paragraph and sentence splitting shared by translation and briefing."""

from __future__ import annotations

from summarise.text import paragraphs, sentences, word_count


def test_paragraphs_split_on_blank_lines_and_collapse_spaces() -> None:
    assert paragraphs("One  two.\n\n\n Three\tfour. \n  \nFive.") == ["One two.", "Three four.", "Five."]


def test_no_boundary_without_a_space() -> None:
    text = "Ishiba will meet Trump, Caliber.Az reports via Japanese media. The talks start on Friday."
    assert sentences(text) == ["Ishiba will meet Trump, Caliber.Az reports via Japanese media.",
                               "The talks start on Friday."]


def test_abbreviations_and_amounts_stay_inside_sentences() -> None:
    assert sentences("U.S. President Donald Trump met Mr. Ishiba. It cost $14.9 billion.") == [
        "U.S. President Donald Trump met Mr. Ishiba.", "It cost $14.9 billion."]


def test_portuguese_and_russian() -> None:
    assert sentences("O Sr. Silva chegou às 10h. Ele saiu cedo.", "pt") == ["O Sr. Silva chegou às 10h.",
                                                                          "Ele saiu cedo."]
    assert sentences("Президент прибыл в Москву. Он выступил с речью.", "ru") == [
        "Президент прибыл в Москву.", "Он выступил с речью."]


def test_word_count() -> None:
    assert word_count("Nippon Steel's $14.9 billion bid — a record.") == 7  # the dash is no word
