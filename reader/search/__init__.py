"""Search: the filter language, parsed once and matched fast over many papers.

    q = parse('segmantation cat:cs.CV !is:read')     # QueryError (one line) on a bad query
    corpus = Corpus.build(library.papers, titles)     # once per loaded library
    corpus.prepare()                                  # from a worker: the word indexes
    result = q.run(corpus, is_read=..., rank=False)   # Result(indices, scores, fuzzy)
    q.highlights(display_title, "title")              # [(start, end), ...] to highlight

No Textual here. `python -m reader.devtools.search_bench` prints timings on synthetic papers.

Modules: `language` (parsing a query into terms), `index` (word indexes), `corpus` (the search
data of a list of papers), `segments` (that data per digest file, cached), `engine` (running a
query), `fuzzy` (the typo fallback), `ranking` (scores), `highlight`, `query` (`parse`, `Query`).

The language
------------
``a b``            both terms must match (AND); ``a | b`` either (``|`` binds tighter than the
                   space: ``a b | c d`` is ``a AND (b OR c) AND d``). ``|`` outside quotes is
                   always the operator, with or without spaces around it.
``!t``             excludes what ``t`` matches (any term, ``!ti:x``, ``!"a phrase"``, ``!is:read``).
``word``           a substring of the title, the abstract (display text) or the identifier.
                   Smart case: a capital letter makes the term case-sensitive (identifiers
                   always match case-insensitively).
``'word``          exact substring: never falls back to fuzzy matching.
``^word word$``    anchored to the start / end of the title (``abs:^We`` anchors the abstract).
``"a phrase"``     a substring with its spaces; exact. ``^"a b"``, ``"a b"$`` and ``ti:"a b"`` work.
``ti: abs:``       title only, abstract only.
``cat:X``          one of the paper's categories (``categories``, else ``category``) starts with X,
                   case-insensitively: ``cat:cs.CV`` is exact in practice, ``cat:cs`` is every
                   ``cs.*`` (and ``cat:math`` also takes ``math-ph``). A trailing ``*`` is ignored.
``id:X``           the identifier starts with X (``id:1907.03``; ``arXiv:`` and a version are
                   ignored: ``id:arXiv:1907.03739v2``).
``date:X``         ``2019``, ``2019-07``, ``2019-07-09``, a range ``A..B`` of any of those
                   (inclusive), or an open range ``A..`` / ``..B``.
``is:S``           ``read``, ``unread``, ``starred``, ``unstarred``; ``new``, ``cross``, ``replace``
                   (how the digest announced it); ``seen`` (listed in an earlier digest too);
                   ``updated`` (a new version of a paper you read or starred); ``tagged``,
                   ``noted``, ``watched`` (a watch rule matches), ``hidden`` (a hide rule does).
``au:X co:X``      a substring of one author's name / of the comments, ignoring case and
                   accents: ``au:schmidhuber``, ``au:"de la"``, ``au:jurgen`` finds Jürgen.
``tag:NAME``       the paper has that tag (exactly).
``note:X``         the paper's note contains X (case and accents ignored).
``watch:NAME``     the watch rule NAME (see ``reader.rules``) matches the paper.

Only ``[a-z]+:`` at the start of a term is a field prefix, so ``3:1``, ``Note:`` and
``http://x`` are plain words, but ``foo:bar`` is an error; ``'foo:bar`` or ``"foo:bar"`` searches
for it literally. Field values of ``cat: id: date: is:`` are case-insensitive.

Typos
-----
A *plain* word (no prefix or ``ti:``; not quoted, not ``'``-exact, not anchored, not negated)
of at least 4 letters/digits that matches nothing exactly *anywhere in the corpus* (judged per
word, ignoring the other terms, so the answer never depends on what else you typed) matches
titles fuzzily instead: a title word that starts with something within an edit distance of 1
(words of 4-7 characters) or 2 (8 or more) of it, transpositions counting 1 (rapidfuzz OSA).
``voxle`` finds "Point-Voxel CNN"; typing ``segmantati`` already finds "segmentation". Fuzzy
matching ignores case. A paper that needed a fuzzy match always scores below one that did not.

Errors (QueryError, a one-line message): unclosed quote, empty quotes, unknown field, empty
field value, bad or impossible date, reversed date range, unknown ``is:`` state, a dangling
``|``, a lone ``!`` and ``!!``. Nothing else is an error, and `parse` raises nothing else.

Speed
-----
`Corpus.build` keeps the display titles and their casefold, the abstracts' display text (the
paper's own string whenever it needs no conversion: no second copy of 125 MB at 100,000 papers)
and small per-category/per-date tables. `Corpus.prepare` (call it from a worker: seconds at
100,000 papers) adds word indexes of the titles and the abstracts: every distinct word
(maximal run of ``\\w`` in the casefolded text) of every paper, frequent words as bitsets, the
others as arrays, in segments of 8,192 papers. A needle made of word characters is inside a text
exactly when it is inside one of its words, so such a term is answered from the index alone (the
words that contain it are found with `bytes.find` over the words joined by newlines); other
terms (phrases, punctuation, anchors, capitals) take the papers whose words contain each of
their word runs and check those on the text. Until an index is there (or for the papers past its
last segment) the text itself is checked, with the same answers; `Corpus.ready` tells when both
indexes are complete. The title index is also the fuzzy index.

Terms run cheapest first over a shrinking candidate list. Text terms remember their matches over
the whole corpus (a small LRU cache on the corpus, 4 bytes an index), so a word that grows one
keystroke at a time is only searched inside its previous matches, and a word known to be absent
needs no search to decide on the fuzzy fallback. Scores are only computed for ``rank=True`` or
when read.

Threads: a `Corpus` may be searched from several threads at once (its caches take a lock), and
`cancelled` lets a stale run stop early. `Query.run` holds the GIL in long list comprehensions,
so run it in a thread worker with `cancelled` polling `is_cancelled`, never on the UI thread.
`prepare` gives way to running searches (it sleeps while one runs).
"""

from __future__ import annotations

from .corpus import Corpus
from .engine import Lookups, Result, SortedIndices
from .language import (
    ABSTRACT,
    FIELDS,
    IDENT,
    MIN_FUZZY,
    PLAIN_FIELDS,
    TITLE,
    CatTerm,
    Clause,
    DateTerm,
    FieldTerm,
    FlagTerm,
    IdTerm,
    MarkTerm,
    QueryError,
    StateTerm,
    Term,
    TextTerm,
    fold_name,
    max_typos,
)
from .query import Query, parse

__all__ = [
    "ABSTRACT", "FIELDS", "IDENT", "MIN_FUZZY", "PLAIN_FIELDS", "TITLE", "CatTerm", "Clause", "Corpus",
    "DateTerm", "IdTerm", "Query", "QueryError", "Result", "SortedIndices", "StateTerm", "Term", "TextTerm",
    "max_typos", "parse", "FieldTerm", "FlagTerm", "Lookups", "MarkTerm", "fold_name",
]  # fmt: skip
