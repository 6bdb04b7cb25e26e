"""A SOQL subset for the Salesforce stand-in: exactly what the adapter emits, nothing more.

Supported: SELECT of fields, parent paths (`Account.Name`) and child subqueries; WHERE with AND/OR/NOT,
parentheses, = != < > <= >=, IN (literals) and IN (semi-join SELECT); ORDER BY one or more fields
ASC/DESC; LIMIT. Text comparisons ignore case, as Salesforce's do. Unknown syntax raises SoqlError
(MALFORMED_QUERY), unknown fields INVALID_FIELD, like a real org; so does a semi-join anywhere but as a
top-level AND term (Salesforce: "Semi join sub-selects are only allowed at the top level WHERE expressions").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\s*(?:('(?:\\.|[^'\\])*')|(<=|>=|!=|[(),=<>])|([A-Za-z_][\w.]*)|(-?\d+(?:\.\d+)?))")


class SoqlError(Exception):
    """A query the stand-in (or Salesforce) rejects; `code` is the errorCode."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Query:
    """A parsed SELECT."""

    fields: list = field(default_factory=list)  # str paths or Query (child subquery)
    source: str = ""
    where: tuple | None = None
    order: list = field(default_factory=list)  # (path, descending)
    limit: int | None = None


def tokenize(text: str) -> list[tuple[str, object]]:
    """(kind, value) tokens; kinds: str, sym, word, num."""
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token at: {text[pos : pos + 20]}")
        string, sym, word, num = match.groups()
        if string is not None:
            tokens.append(("str", re.sub(r"\\(.)", r"\1", string[1:-1])))
        elif sym:
            tokens.append(("sym", sym))
        elif word:
            tokens.append(("word", word))
        else:
            tokens.append(("num", float(num)))
        pos = match.end()
    return tokens


class Parser:
    """Recursive descent over the token list."""

    def __init__(self, text: str):
        self.tokens, self.i = tokenize(text), 0

    def parse(self) -> Query:
        """The whole statement."""
        query = self.select()
        if self.i != len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", f"unexpected {self.tokens[self.i][1]!r}")
        return query

    def peek(self, offset: int = 0):
        """The token `offset` ahead, or ("end", None)."""
        return self.tokens[self.i + offset] if self.i + offset < len(self.tokens) else ("end", None)

    def keyword(self, *words: str) -> bool:
        """Consume the keyword(s) if next; case-insensitive."""
        kind, value = self.peek()
        if (
            kind == "word"
            and value.upper() == words[0]
            and (len(words) == 1 or (self.peek(1)[1] and str(self.peek(1)[1]).upper() == words[1]))
        ):
            self.i += len(words)
            return True
        return False

    def expect(self, value: str) -> None:
        """Consume `value` or raise MALFORMED_QUERY."""
        kind, got = self.peek()
        if (kind == "word" and str(got).upper() != value) or (kind != "word" and got != value):
            raise SoqlError("MALFORMED_QUERY", f"expected {value}, got {got!r}")
        self.i += 1

    def word(self) -> str:
        """Consume a name (field, path or object)."""
        kind, value = self.peek()
        if kind != "word":
            raise SoqlError("MALFORMED_QUERY", f"expected a name, got {value!r}")
        self.i += 1
        return value

    def select(self) -> Query:
        """SELECT … FROM … [WHERE] [ORDER BY] [LIMIT]."""
        self.expect("SELECT")
        query = Query()
        while True:
            if self.peek() == ("sym", "("):
                self.i += 1
                query.fields.append(self.select())
                self.expect(")")
            else:
                query.fields.append(self.word())
            if self.peek() != ("sym", ","):
                break
            self.i += 1
        self.expect("FROM")
        query.source = self.word()
        if self.keyword("WHERE"):
            query.where = self.disjunction()
        if self.keyword("ORDER", "BY"):
            query.order.append(self.order_item())
            while self.peek() == ("sym", ","):
                self.i += 1
                query.order.append(self.order_item())
        if self.keyword("LIMIT"):
            query.limit = int(self.tokens[self.i][1])
            self.i += 1
        return query

    def order_item(self) -> tuple[str, bool]:
        """`path [ASC|DESC]` → (path, descending)."""
        path = self.word()
        descending = self.keyword("DESC")
        if not descending:
            self.keyword("ASC")
        return path, descending

    def disjunction(self):
        """Terms joined by OR."""
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def conjunction(self):
        """Terms joined by AND."""
        parts = [self.atom()]
        while self.keyword("AND"):
            parts.append(self.atom())
        return ("and", parts) if len(parts) > 1 else parts[0]

    def atom(self):
        """NOT, a parenthesised condition, a comparison or an IN."""
        if self.keyword("NOT"):
            return ("not", self.atom())
        if self.peek() == ("sym", "("):
            self.i += 1
            inner = self.disjunction()
            self.expect(")")
            return inner
        path = self.word()
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            self.expect("(")
            if self.peek()[0] == "word" and str(self.peek()[1]).upper() == "SELECT":
                values = self.select()
            else:
                values = [self.literal()]
                while self.peek() == ("sym", ","):
                    self.i += 1
                    values.append(self.literal())
            self.expect(")")
            return ("notin" if negate else "in", path, values)
        kind, op = self.peek()
        if kind != "sym" or op not in {"=", "!=", "<", ">", "<=", ">="}:
            raise SoqlError("MALFORMED_QUERY", f"unexpected {op!r} after {path}")
        self.i += 1
        return ("cmp", path, op, self.literal())

    def literal(self):
        """A string, number, true, false or null."""
        kind, value = self.peek()
        self.i += 1
        if kind in {"str", "num"}:
            return value
        if kind == "word" and value.lower() in {"true", "false", "null"}:
            return {"true": True, "false": False, "null": None}[value.lower()]
        raise SoqlError("MALFORMED_QUERY", f"unexpected {value!r}")


def parse(text: str) -> Query:
    """Parse one SOQL statement."""
    query = Parser(text).parse()
    if query.where is not None:
        terms = query.where[1] if query.where[0] == "and" else [query.where]
        if any(_has_semi_join(t) for t in terms if not _is_semi_join(t)):
            raise SoqlError(
                "MALFORMED_QUERY",
                "Semi join sub-selects are only allowed at the top level WHERE "
                "expressions and not in nested WHERE expressions.",
            )
    return query


def _is_semi_join(cond) -> bool:
    return cond[0] in {"in", "notin"} and isinstance(cond[2], Query)


def _has_semi_join(cond) -> bool:
    if cond[0] in {"and", "or"}:
        return any(_has_semi_join(c) for c in cond[1])
    if cond[0] == "not":
        return _has_semi_join(cond[1])
    return _is_semi_join(cond)
