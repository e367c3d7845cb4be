"""Compatibility: the search moved to the package `reader.search`; import from there.

Kept so that code importing `reader.query` (the UI, the CLI, the benchmark) keeps working while
they move over.
"""

from __future__ import annotations

from .search import (
    ABSTRACT,
    FIELDS,
    IDENT,
    MIN_FUZZY,
    PLAIN_FIELDS,
    TITLE,
    CatTerm,
    Clause,
    Corpus,
    DateTerm,
    IdTerm,
    Query,
    QueryError,
    Result,
    SortedIndices,
    StateTerm,
    Term,
    TextTerm,
    max_typos,
    parse,
)

__all__ = [
    "ABSTRACT", "FIELDS", "IDENT", "MIN_FUZZY", "PLAIN_FIELDS", "TITLE", "CatTerm", "Clause", "Corpus",
    "DateTerm", "IdTerm", "Query", "QueryError", "Result", "SortedIndices", "StateTerm", "Term", "TextTerm",
    "max_typos", "parse",
]  # fmt: skip
