"""Company-name and domain normalisation, and matching market companies to customers.

The rule (documented on the Market page and in tests/test_matching.py):

**Name key** of a company name:
1. the HTML entities that company lists carry (``&amp;``, ``&#8217;``, ``&#39;``, ...) are
   decoded or dropped;
2. lower-cased; ``ä ö ü ß æ œ ø ł đ`` become ``ae oe ue ss ae oe o l d``; every other accent is
   removed (``é`` -> ``e``), so ``Müller`` and ``Mueller`` give the same key;
3. apostrophes and dots are deleted (``McDonald's`` -> ``mcdonalds``, ``S.A.`` -> ``sa``), every
   other character that is not a letter a-z or a digit separates words;
4. legal forms at the end are stripped, repeatedly, as long as one word stays (``GmbH & Co. KG``,
   ``AG``, ``SE``, ``Inc``, ``Ltd``, ``LLC``, ``Co``, ``Corp``, ``PLC``, ``S.A.``, ... see
   ``LEGAL_FORMS``);
5. the remaining words are joined without spaces. An empty key is no key (never matches).

**Domain key** of a website, URL, domain or e-mail address: lower-cased and trimmed; the scheme
(``https://``), a ``user@`` part, the path / query / fragment, the port, a leading ``www.`` (or
``www2.`` ...) and a trailing dot are removed (``https://www.Example.com/about`` ->
``example.com``). An empty key is no key.

**Match**: a market company matches a customer account when both domain keys exist and are
equal, or when both name keys exist and are equal. When several market companies match one
account, the one matched by domain wins, then the smallest ``company_id``; so each account has at
most one matched market company. The account's domain is read from an extra column of
``accounts`` named ``domain``, ``website``, ``url``, ``web`` or ``homepage`` (any case), if one
was imported.

The keys are computed by the same regular expressions in Python (``name_key``, ``domain_key``)
and in DuckDB SQL (``name_key_sql``, ``domain_key_sql``), so matching runs inside the store.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import polars as pl

from icp_core.metrics_common import quote_ident, table_columns, table_exists

LEGAL_FORMS: tuple[str, ...] = (
    # German-speaking
    "gmbh", "ggmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ug", "ev", "eg", "ek", "ekfm", "se",
    "haftungsbeschraenkt",
    # English-speaking
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp",
    "lp", "plc", "pty", "pte",
    # other European
    "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "oy", "oyj", "as", "asa", "aps",
)

#: (entity, replacement) applied before anything else; other entities are dropped
ENTITIES: tuple[tuple[str, str], ...] = (
    ("&amp;", "&"), ("&#38;", "&"), ("&#8217;", ""), ("&#8216;", ""), ("&#39;", ""), ("&apos;", ""),
    ("&quot;", ""), ("&#34;", ""), ("&#8211;", "-"), ("&#8212;", "-"), ("&nbsp;", " "), ("&#160;", " "),
)
#: letters folded to ASCII sequences before the remaining accents are stripped
FOLDS: tuple[tuple[str, str], ...] = (
    ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"),
    ("ł", "l"), ("đ", "d"),
)
_ENTITY_RE = r"&#?[a-z0-9]+;"
_DROP_RE = r"['’‘`´.]"
_SEPARATOR_RE = r"[^a-z0-9]+"
# legal forms after the first word (the first word is never removed: it has no space before it)
_LEGAL_RE = r"(?:\s+(?:" + "|".join(LEGAL_FORMS) + r"))+$"
_FOLD_CHARS = "".join(letter for letter, _ in FOLDS)

_SCHEME_RE = r"^[a-z][a-z0-9+.\-]*://"
_USER_RE = r"^[^/?#]*@"
_PATH_RE = r"[/?#].*$"
_PORT_RE = r":[0-9]*$"
_WWW_RE = r"^www[0-9]*\."
_TRAILING_DOT_RE = r"\.+$"

#: extra columns of accounts read as the customer's domain (compared case-insensitively)
DOMAIN_COLUMNS: tuple[str, ...] = ("domain", "website", "url", "web", "homepage", "webseite")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_key(name: str | None) -> str | None:
    """The normalised key of a company name (see the module docstring); None when empty.

    >>> name_key("Müller GmbH & Co. KG") == name_key("Mueller")
    True
    """
    if name is None:
        return None
    text = name.lower()
    for entity, repl in ENTITIES:
        text = text.replace(entity, repl)
    text = re.sub(_ENTITY_RE, "", text)
    for letter, repl in FOLDS:
        text = text.replace(letter, repl)
    text = _strip_accents(text)
    text = re.sub(_DROP_RE, "", text)
    text = re.sub(_SEPARATOR_RE, " ", text).strip()
    text = re.sub(_LEGAL_RE, "", text)
    text = text.replace(" ", "")
    return text or None


def domain_key(value: str | None) -> str | None:
    """The normalised domain of a website, URL or e-mail address; None when empty.

    >>> domain_key("https://www.Example.com/about?x=1")
    'example.com'
    """
    if value is None:
        return None
    text = value.strip().lower()
    text = re.sub(_SCHEME_RE, "", text)
    text = re.sub(_USER_RE, "", text)
    text = re.sub(_PATH_RE, "", text)
    text = re.sub(_PORT_RE, "", text)
    text = re.sub(_WWW_RE, "", text)
    text = re.sub(_TRAILING_DOT_RE, "", text).strip()
    return text or None


def _lit(text: str) -> str:
    """A SQL string literal of a constant of this module (never user data)."""
    return "'" + text.replace("'", "''") + "'"


def name_key_sql(expr: str) -> str:
    """DuckDB SQL computing ``name_key`` of the text expression ``expr``. The entity and fold
    passes only run on names that need them (a '&'; one of the folded letters)."""
    low = f"lower(CAST({expr} AS VARCHAR))"
    decoded = low
    for entity, repl in ENTITIES:
        decoded = f"replace({decoded}, {_lit(entity)}, {_lit(repl)})"
    decoded = f"regexp_replace({decoded}, {_lit(_ENTITY_RE)}, '', 'g')"
    folded = f"(CASE WHEN contains({low}, '&') THEN {decoded} ELSE {low} END)"
    for letter, repl in FOLDS:
        folded = f"replace({folded}, {_lit(letter)}, {_lit(repl)})"
    fold_test = f"regexp_matches({low}, {_lit('[' + _FOLD_CHARS + ']')})"
    sql = f"(CASE WHEN {fold_test} THEN {folded} WHEN contains({low}, '&') THEN {decoded} ELSE {low} END)"
    sql = f"strip_accents({sql})"
    sql = f"regexp_replace({sql}, {_lit(_DROP_RE)}, '', 'g')"
    sql = f"trim(regexp_replace({sql}, {_lit(_SEPARATOR_RE)}, ' ', 'g'))"
    sql = f"regexp_replace({sql}, {_lit(_LEGAL_RE)}, '')"
    return f"nullif(replace({sql}, ' ', ''), '')"


def domain_key_sql(expr: str) -> str:
    """DuckDB SQL computing ``domain_key`` of the text expression ``expr``."""
    sql = f"lower(trim(CAST({expr} AS VARCHAR)))"
    for pattern in (_SCHEME_RE, _USER_RE, _PATH_RE, _PORT_RE, _WWW_RE, _TRAILING_DOT_RE):
        sql = f"regexp_replace({sql}, {_lit(pattern)}, '')"
    return f"nullif(trim({sql}), '')"


def account_domain_column(cur: duckdb.DuckDBPyConnection) -> str | None:
    """The column of accounts holding the customer's website or domain, if one was imported."""
    if not table_exists(cur, "accounts"):
        return None
    columns = table_columns(cur, "accounts")
    for wanted in DOMAIN_COLUMNS:
        for column in columns:
            if column.strip().casefold() == wanted:
                return column
    return None


def match_sql(cur: duckdb.DuckDBPyConnection, account_where: str = "TRUE") -> str:
    """SQL of the matching: one row (account_id, company_id, matched_by) per account that has a
    matched market company; ``account_where`` restricts the accounts (parameters bound by the
    caller, in front of none other)."""
    domain_col = account_domain_column(cur)
    market_cols = table_columns(cur, "market")
    account_domain = domain_key_sql(quote_ident(domain_col)) if domain_col else "NULL::VARCHAR"
    market_domain = domain_key_sql(quote_ident("domain")) if "domain" in market_cols else "NULL::VARCHAR"
    market_name = name_key_sql(quote_ident("name")) if "name" in market_cols else "NULL::VARCHAR"
    return f"""
        WITH a AS (
            SELECT account_id, {name_key_sql('company_name')} AS nk, {account_domain} AS dk
            FROM accounts WHERE {account_where}
        ),
        m AS (
            SELECT company_id, {market_name} AS nk, {market_domain} AS dk FROM market
        ),
        candidates AS (
            SELECT a.account_id, m.company_id, 1 AS priority, 'domain' AS matched_by
            FROM a JOIN m ON a.dk = m.dk
            UNION ALL
            SELECT a.account_id, m.company_id, 2 AS priority, 'name' AS matched_by
            FROM a JOIN m ON a.nk = m.nk
        )
        SELECT account_id, arg_min(company_id, (priority, company_id)) AS company_id,
               arg_min(matched_by, (priority, company_id)) AS matched_by
        FROM candidates GROUP BY account_id ORDER BY account_id
    """


def match_customers(cur: duckdb.DuckDBPyConnection, account_where: str = "TRUE", params: list | None = None) -> pl.DataFrame:
    """Each account with its matched market company: columns account_id, company_id, matched_by
    ('domain' or 'name'). Accounts without a match are not listed. Empty when either table is
    missing."""
    empty = pl.DataFrame(schema={"account_id": pl.String, "company_id": pl.String, "matched_by": pl.String})
    if not (table_exists(cur, "accounts") and table_exists(cur, "market")):
        return empty
    frame = cur.sql(match_sql(cur, account_where), params=params or None).pl()
    return frame if frame.height else empty
