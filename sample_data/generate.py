"""Generate the bundled sample company "Taktwerk GmbH" (deterministic).

Taktwerk GmbH (Munich) sells *Taktwerk Plan*, a cloud tool for production planning and
shop-floor scheduling (Feinplanung, Maschinenbelegung, Schichtplanung) to manufacturers and
logistics firms, billed per seat and month, with an optional SAP-Business-One connector.

Run:  uv run python sample_data/generate.py            (writes sample_data/*.parquet, README truth)
      uv run python sample_data/generate.py --check    (prints the planted truth only)

Everything is drawn from numpy Generators seeded from one fixed SeedSequence; every table has
its own child stream, so the market size (a parameter, for fast tests) changes only `market`.
Parquet is written with zstd, no statistics timestamps: two runs give byte-identical files.

The planted truth (README.md, section "The truth") is computed by `compute_truth`, a direct
polars reading of METRICS.md, independent of the generator's internal class labels.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20251231
MARKET_SIZE = 100_000
N_ACCOUNTS = 2_500
N_PROSPECTS = 1_000
DATA_END = date(2025, 12, 31)  # latest start/churn date: as_of = 2025-12-31
FIRST_START = date(2021, 1, 1)
HERE = Path(__file__).resolve().parent

TABLE_ORDER = (
    "accounts", "contacts", "nps_responses", "pmf_survey", "mrr_history", "deals", "jobs",
    "market", "prospects",
)
ACCOUNT_EXTRAS = ("Vertriebsregion", "Account Owner", "Website")

# --- the planted ICP and the "don't want more of" group -------------------------------------
ICP_INDUSTRY = "Maschinenbau"
ICP_BAND = "51-200"
ICP_TOOL = "SAP Business One"
DONT_INDUSTRY = "Agentur / Beratung"
DONT_BAND = "1-10"

REFERRAL_VALUES = (
    "referral", "referred", "customer referral", "word of mouth", "word-of-mouth", "recommendation",
    "empfehlung", "weiterempfehlung", "kundenempfehlung", "mundpropaganda",
)

SIZE_BANDS = (
    (1, 10, "1-10"), (11, 50, "11-50"), (51, 200, "51-200"), (201, 500, "201-500"),
    (501, 1000, "501-1000"), (1001, 5000, "1001-5000"), (5001, 10000, "5001-10000"),
)

# --- vocabularies ----------------------------------------------------------------------------
INDUSTRIES = (
    "Maschinenbau", "Logistik", "Lebensmittelproduktion", "Automobilzulieferer", "Elektrotechnik",
    "Handel", "IT-Dienstleistungen", "Agentur / Beratung", "Gesundheitswesen", "Bau",
)
# customer base mix, market mix, median employees (customers), revenue per employee (EUR)
ACC_IND_W = np.array([0.21, 0.12, 0.09, 0.11, 0.10, 0.07, 0.06, 0.12, 0.06, 0.06])
MKT_IND_W = np.array([0.11, 0.10, 0.08, 0.06, 0.08, 0.18, 0.10, 0.14, 0.08, 0.07])
IND_MEDIAN_EMP = np.array([105, 70, 80, 120, 75, 35, 30, 9, 60, 45], dtype=float)
IND_REV_PER_EMP = np.array([210e3, 190e3, 260e3, 230e3, 200e3, 380e3, 140e3, 105e3, 95e3, 170e3])
MANUFACTURING = {"Maschinenbau", "Lebensmittelproduktion", "Automobilzulieferer", "Elektrotechnik"}

NAME_WORDS = {
    "Maschinenbau": ("Maschinenbau", "Anlagenbau", "Präzisionstechnik", "Fördertechnik", "Werkzeugbau",
                     "Antriebstechnik", "Sondermaschinenbau", "Hydraulik", "Maschinenfabrik", "Stahlbau"),
    "Logistik": ("Logistik", "Spedition", "Transporte", "Lagerlogistik", "Fracht", "Kontraktlogistik"),
    "Lebensmittelproduktion": ("Feinkost", "Backwaren", "Molkerei", "Fleischwaren", "Getränke",
                               "Nahrungsmittel", "Süßwaren", "Mühle"),
    "Automobilzulieferer": ("Automotive", "Fahrzeugteile", "Kunststofftechnik", "Zerspanung",
                            "Metallverarbeitung", "Umformtechnik", "Gießerei"),
    "Elektrotechnik": ("Elektrotechnik", "Elektronik", "Kabelwerk", "Schaltanlagen", "Sensorik",
                       "Leiterplatten", "Steuerungstechnik"),
    "Handel": ("Handel", "Großhandel", "Handelshaus", "Vertrieb", "Versand", "Baustoffhandel"),
    "IT-Dienstleistungen": ("IT-Service", "Systemhaus", "Software", "Digital Solutions", "IT-Consulting",
                            "Datentechnik"),
    "Agentur / Beratung": ("Consulting", "Beratung", "Agentur", "Marketing", "Kommunikation", "Partners",
                           "Unternehmensberatung", "Strategieberatung"),
    "Gesundheitswesen": ("Medizintechnik", "Pflegedienste", "Klinikservice", "Labor", "Dental",
                         "Orthopädietechnik"),
    "Bau": ("Bau", "Hochbau", "Tiefbau", "Bauunternehmung", "Holzbau", "Fertigbau"),
}
SURNAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
    "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
    "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger",
    "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
    "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger",
    "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Schulte",
    "Dietrich", "Ziegler", "Kuhn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer",
    "Arnold", "Wolff", "Pfeiffer", "Eder", "Gruber", "Brunner", "Moser", "Steiner", "Hofer", "Kessler",
)
PLACES = (
    "Allgäu", "Bodensee", "Rhein", "Main", "Neckar", "Isar", "Donau", "Elbe", "Weser", "Ruhr", "Saar",
    "Mosel", "Harz", "Eifel", "Schwarzwald", "Spessart", "Alb", "Oberland", "Franken", "Schwaben",
    "Westfalen", "Lausitz", "Vogtland", "Taunus", "Hanse", "Alpen", "Inn", "Lech", "Altmühl", "Sauerland",
)
LEGAL = ("GmbH", "GmbH & Co. KG", "AG", "KG", "SE", "e.K.", "OHG", "UG (haftungsbeschränkt)")
LEGAL_W = np.array([0.58, 0.17, 0.07, 0.06, 0.01, 0.04, 0.03, 0.04])

# (city, country, Vertriebsregion, weight)
CITIES = (
    ("München", "DE", "Süd", 9), ("Stuttgart", "DE", "Süd", 8), ("Augsburg", "DE", "Süd", 4),
    ("Nürnberg", "DE", "Süd", 5), ("Regensburg", "DE", "Süd", 3), ("Ulm", "DE", "Süd", 3),
    ("Freiburg im Breisgau", "DE", "Süd", 2), ("Karlsruhe", "DE", "Süd", 3), ("Heilbronn", "DE", "Süd", 2),
    ("Ingolstadt", "DE", "Süd", 2), ("Mannheim", "DE", "West", 3), ("Frankfurt am Main", "DE", "West", 5),
    ("Köln", "DE", "West", 5), ("Düsseldorf", "DE", "West", 4), ("Dortmund", "DE", "West", 3),
    ("Essen", "DE", "West", 3), ("Bielefeld", "DE", "West", 3), ("Münster", "DE", "West", 2),
    ("Siegen", "DE", "West", 2), ("Aachen", "DE", "West", 2), ("Hamburg", "DE", "Nord", 6),
    ("Bremen", "DE", "Nord", 3), ("Hannover", "DE", "Nord", 4), ("Kiel", "DE", "Nord", 1),
    ("Osnabrück", "DE", "Nord", 2), ("Braunschweig", "DE", "Nord", 2), ("Berlin", "DE", "Ost", 6),
    ("Leipzig", "DE", "Ost", 3), ("Dresden", "DE", "Ost", 3), ("Chemnitz", "DE", "Ost", 2),
    ("Erfurt", "DE", "Ost", 2), ("Magdeburg", "DE", "Ost", 1), ("Jena", "DE", "Ost", 1),
    ("Wien", "AT", "Süd", 4), ("Linz", "AT", "Süd", 3), ("Graz", "AT", "Süd", 2), ("Salzburg", "AT", "Süd", 1),
    ("Zürich", "CH", "Süd", 3), ("Basel", "CH", "Süd", 2), ("St. Gallen", "CH", "Süd", 1), ("Bern", "CH", "Süd", 1),
    ("Eindhoven", "NL", "International", 1), ("Wrocław", "PL", "International", 1),
    ("Bozen", "IT", "International", 1), ("Pilsen", "CZ", "International", 1), ("Straßburg", "FR", "International", 1),
)
TLD = {"DE": "de", "AT": "at", "CH": "ch", "NL": "nl", "PL": "pl", "IT": "it", "CZ": "cz", "FR": "fr"}

ERP_TOOLS = ("SAP S/4HANA", "SAP Business One", "Microsoft Dynamics 365", "abas ERP", "proALPHA",
             "DATEV", "Sage 100", "weclapp")
OTHER_TOOLS = ("Excel", "Microsoft Teams", "Slack", "Jira", "HubSpot", "Salesforce", "Power BI",
               "Google Workspace", "Asana", "Pipedrive")
ALL_TOOLS = ERP_TOOLS + OTHER_TOOLS

PARTNERS = ("B1 Solutions Süd GmbH", "NordERP Consulting", "Alpenland Systemhaus", "FertigungsDigital AG",
            "Rheinwerk IT-Partner")
CHANNELS_OTHER = ("Website", "Messe", "Google Ads", "LinkedIn", "Outbound", "Webinar")
OWNERS = ("Lena Hofbauer", "Jonas Reiter", "Miriam Özdemir", "Tobias Brandl", "Sophie Lindner",
          "Felix Aydın", "Katrin Vogl")

# behaviour classes (internal; the truth is computed from the data, not from these)
C_ICP, C_NEAR, C_MFG, C_OTHER, C_DONT = range(5)
ANNUAL_RETENTION = np.array([0.965, 0.90, 0.77, 0.73, 0.45])
REFERRAL_P = np.array([0.55, 0.33, 0.22, 0.16, 0.05])
CYCLE_MEDIAN = np.array([32.0, 48.0, 68.0, 74.0, 125.0])
NPS_MU = np.array([9.0, 8.3, 7.6, 7.2, 5.8])
ELLIS_P = {  # very, somewhat, not
    C_ICP: (0.74, 0.21, 0.05), C_NEAR: (0.55, 0.33, 0.12), C_MFG: (0.42, 0.40, 0.18),
    C_OTHER: (0.36, 0.42, 0.22), C_DONT: (0.12, 0.38, 0.50),
}


# ---------------------------------------------------------------------------------------------
def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _date_series(name: str, days: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(name, days.astype(np.int64)).cast(pl.Int32).cast(pl.Date)
    if mask is not None:
        s = pl.select(pl.when(pl.Series(mask)).then(s).otherwise(None)).to_series().alias(name)
    return s


def one_year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 Feb -> 28 Feb
        return d.replace(year=d.year - 1, day=28)


def size_band_expr(col: str = "employees") -> pl.Expr:
    e = pl.col(col)
    expr = pl.when(e.is_null()).then(None)
    for lo, hi, label in SIZE_BANDS:
        expr = expr.when(e <= hi).then(pl.lit(label)) if lo > 1 else expr.when(e <= hi).then(pl.lit(label))
    return expr.otherwise(pl.lit("10001+"))


def size_band_np(emp: np.ndarray) -> np.ndarray:
    out = np.full(emp.shape, "10001+", dtype=object)
    for lo, hi, label in reversed(SIZE_BANDS):
        out[emp <= hi] = label
    return out


def _pick(rng: np.random.Generator, items, p=None, size=None):
    idx = rng.choice(len(items), size=size, p=p)
    if size is None:
        return items[int(idx)]
    return np.asarray(items, dtype=object)[idx]


# --- names -----------------------------------------------------------------------------------
def _name_candidates(rng: np.random.Generator, industries: np.ndarray, emp: np.ndarray) -> list[str]:
    n = len(industries)
    pattern = rng.choice(5, size=n, p=[0.38, 0.14, 0.2, 0.16, 0.12])
    s1 = rng.integers(0, len(SURNAMES), n)
    s2 = rng.integers(0, len(SURNAMES), n)
    pl_ = rng.integers(0, len(PLACES), n)
    w = rng.random(n)
    legal = rng.choice(len(LEGAL), size=n, p=LEGAL_W)
    legal[(emp > 50) & np.isin(legal, [5, 6, 7])] = 0  # e.K., OHG, UG only for small firms: else GmbH
    abbr = rng.integers(0, 26, (n, 3))
    out = []
    for i in range(n):
        words = NAME_WORDS[industries[i]]
        word = words[int(w[i] * len(words))]
        p = pattern[i]
        if p == 0:
            base = f"{SURNAMES[s1[i]]} {word}"
        elif p == 1:
            base = f"{SURNAMES[s1[i]]} & {SURNAMES[s2[i]]} {word}"
        elif p == 2:
            base = f"{PLACES[pl_[i]]} {word}"
        elif p == 3:
            base = f"{SURNAMES[s1[i]]}-{SURNAMES[s2[i]]} {word}"
        else:
            base = "".join(chr(65 + a) for a in abbr[i]) + f" {word}"
        out.append(f"{base} {LEGAL[legal[i]]}")
    return out


def domain_expr(name: pl.Expr) -> pl.Expr:
    legal_re = r"\s+(gmbh & co\. kg|gmbh|ag|kg|se|e\.k\.|ohg|ug \(haftungsbeschränkt\))$"
    return (
        name.str.to_lowercase()
        .str.replace(legal_re, "")
        .str.replace_many(["ä", "ö", "ü", "ß", "&"], ["ae", "oe", "ue", "ss", " "])
        .str.replace_all(r"[^a-z0-9]+", "-")
        .str.strip_chars("-")
    )


def normalise_name(expr: pl.Expr) -> pl.Expr:
    """The matching key between accounts and market: trimmed, case-folded, single spaces."""
    return expr.str.to_lowercase().str.strip_chars().str.replace_all(r"\s+", " ")


def _unique_companies(rng, industries: np.ndarray, countries: np.ndarray, emp: np.ndarray,
                      taken: set[str]) -> tuple[list, list]:
    """Unique names (and unique domain stems) for the given industries, avoiding `taken` stems."""
    n = len(industries)
    names: list[str | None] = [None] * n
    stems: list[str | None] = [None] * n
    todo = np.arange(n)
    while len(todo):
        cand = _name_candidates(rng, industries[todo], emp[todo])
        stem = pl.select(domain_expr(pl.Series(cand))).to_series().to_list()
        left = []
        for k, i in enumerate(todo):
            key = stem[k].replace("-", "")  # like a name key: legal form off, separators off
            if key in taken:
                left.append(i)
                continue
            taken.add(key)
            names[i] = cand[k]
            stems[i] = stem[k]
        todo = np.array(left, dtype=np.int64)
    domains = [f"{s}.{TLD[c]}" for s, c in zip(stems, countries)]
    return names, domains


# --- firmographics shared by accounts, market and prospects -----------------------------------
def _cities(rng, n, country_bias=None):
    w = np.array([c[3] for c in CITIES], dtype=float)
    idx = rng.choice(len(CITIES), size=n, p=w / w.sum())
    city = np.array([CITIES[i][0] for i in idx], dtype=object)
    country = np.array([CITIES[i][1] for i in idx], dtype=object)
    region = np.array([CITIES[i][2] for i in idx], dtype=object)
    return city, country, region


def _revenue(rng, industry_idx, emp):
    r = emp * IND_REV_PER_EMP[industry_idx] * rng.lognormal(0.0, 0.35, len(emp))
    return np.round(r / 1000.0) * 1000.0


def _founded(rng, industry_idx, latest_year):
    med = np.where(np.array(INDUSTRIES, dtype=object)[industry_idx] == "IT-Dienstleistungen", 14.0, 32.0)
    med = np.where(np.array(INDUSTRIES, dtype=object)[industry_idx] == DONT_INDUSTRY, 9.0, med)
    age = np.round(rng.lognormal(np.log(med), 0.75)).astype(np.int64)
    age = np.clip(age, 1, 160)
    return np.maximum(latest_year - age, 1865)


def _business_model(rng, industry_names):
    n = len(industry_names)
    u = rng.random(n)
    out = np.full(n, "B2B", dtype=object)
    b2c_ind = np.isin(industry_names, ["Handel", "Lebensmittelproduktion"])
    out[(u < 0.18) & b2c_ind] = "B2B2C"
    out[(u < 0.08) & b2c_ind] = "B2C"
    b2g_ind = np.isin(industry_names, ["Bau", "Gesundheitswesen", "IT-Dienstleistungen"])
    out[(u > 0.88) & b2g_ind] = "B2G"
    out[(u > 0.985)] = "other"
    return out


def _tech(rng, industry_names, emp, b1_boost=None):
    """List of tools per company. SAP Business One is common in manufacturing SMEs."""
    n = len(industry_names)
    mfg = np.isin(industry_names, list(MANUFACTURING))
    mb = industry_names == ICP_INDUSTRY
    band_mid = (emp >= 11) & (emp <= 500)
    # ERP: one at most
    p_b1 = np.where(mb & band_mid, 0.55, np.where(mfg & band_mid, 0.28, np.where(band_mid, 0.10, 0.05)))
    if b1_boost is not None:
        p_b1 = np.clip(p_b1 + b1_boost, 0, 1)
    p_s4 = np.where(emp > 500, 0.55, np.where(emp > 200, 0.18, 0.03))
    u = rng.random(n)
    erp = np.full(n, None, dtype=object)
    erp[u < p_b1] = "SAP Business One"
    rest = u >= p_b1
    u2 = rng.random(n)
    erp[rest & (u2 < p_s4)] = "SAP S/4HANA"
    others = rest & (u2 >= p_s4)
    choice = rng.choice(6, size=n, p=[0.22, 0.14, 0.14, 0.2, 0.12, 0.18])
    names6 = np.array(["Microsoft Dynamics 365", "abas ERP", "proALPHA", "DATEV", "Sage 100", "weclapp"], dtype=object)
    erp[others] = names6[choice[others]]
    erp[others & (rng.random(n) < 0.15)] = None
    small_or_service = (emp <= 10) | np.isin(industry_names, ["Agentur / Beratung", "IT-Dienstleistungen"])
    probs = {
        "Excel": np.full(n, 0.85),
        "Microsoft Teams": np.where(small_or_service, 0.45, 0.72),
        "Slack": np.where(small_or_service, 0.5, 0.12),
        "Jira": np.where(industry_names == "IT-Dienstleistungen", 0.7, np.where(small_or_service, 0.3, 0.12)),
        "HubSpot": np.where(small_or_service, 0.35, 0.15),
        "Salesforce": np.where(emp > 200, 0.35, 0.08),
        "Power BI": np.where(emp > 50, 0.3, 0.08),
        "Google Workspace": np.where(small_or_service, 0.4, 0.08),
        "Asana": np.where(small_or_service, 0.25, 0.04),
        "Pipedrive": np.where(small_or_service, 0.15, 0.03),
    }
    draws = {k: rng.random(n) < v for k, v in probs.items()}
    stacks = []
    for i in range(n):
        s = [erp[i]] if erp[i] is not None else []
        s += [k for k in OTHER_TOOLS if draws[k][i]]
        stacks.append(s)
    return stacks


# --- accounts ----------------------------------------------------------------------------------
def _accounts(rng: np.random.Generator, name_rng: np.random.Generator) -> tuple[pl.DataFrame, dict]:
    n = N_ACCOUNTS
    ind_idx = rng.choice(len(INDUSTRIES), size=n, p=ACC_IND_W / ACC_IND_W.sum())
    ind = np.array(INDUSTRIES, dtype=object)[ind_idx]
    sigma = np.where(ind == DONT_INDUSTRY, 0.8, 0.85)
    emp = np.maximum(1, np.round(rng.lognormal(np.log(IND_MEDIAN_EMP[ind_idx]), sigma))).astype(np.int64)
    band = size_band_np(emp)
    tech = _tech(rng, ind, emp, b1_boost=np.where((ind == ICP_INDUSTRY) & (band == ICP_BAND), 0.17, 0.0))
    has_b1 = np.array([ICP_TOOL in t for t in tech])
    cls = np.full(n, C_OTHER)
    cls[np.isin(ind, list(MANUFACTURING))] = C_MFG
    core = (ind == ICP_INDUSTRY) & (band == ICP_BAND)
    cls[core] = C_NEAR
    cls[core & has_b1] = C_ICP
    cls[(ind == DONT_INDUSTRY) & (band == DONT_BAND)] = C_DONT

    # start dates: growing business, 2021-01-01 .. 2025-12-31
    year = 2021 + rng.choice(5, size=n, p=[0.13, 0.17, 0.2, 0.23, 0.27])
    doy = rng.random(n)
    start = np.array([_days(date(int(y), 1, 1)) for y in year]) + np.floor(doy * 365).astype(np.int64)
    start = np.minimum(start, _days(DATA_END))
    t0 = _days(one_year_before(DATA_END))
    start[start == t0] = t0 - 1
    order = np.argsort(start, kind="stable")
    # sort everything by start date so account ids increase over time
    ind_idx, ind, emp, band, cls, start, has_b1 = (a[order] for a in (ind_idx, ind, emp, band, cls, start, has_b1))
    tech = [tech[i] for i in order]
    start[-1] = _days(DATA_END)  # as_of anchor: the last customer signed on 31 Dec 2025

    city, country, region = _cities(rng, n)
    # small share of AT/CH/others is realistic already via the city weights
    revenue = _revenue(rng, ind_idx, emp)
    founded = np.minimum(_founded(rng, ind_idx, 2020), 2020)
    bm = _business_model(rng, ind)
    dept = np.maximum(1, np.round(emp ** 0.55 * rng.uniform(0.7, 1.3, n))).astype(np.int64)

    # churn: constant hazard per class; small companies churn a little more
    r = ANNUAL_RETENTION[cls] * np.where(emp <= 10, 0.97, 1.0)
    lam = -np.log(r) / 365.0
    life = 21 + np.floor(rng.exponential(1.0 / lam)).astype(np.int64)
    churn = start + life
    churned = churn <= _days(DATA_END)
    churn[churn == t0] = t0 + 1
    churned = churn <= _days(DATA_END)

    # acquisition channel: referrals grow over time (word of mouth)
    yfac = np.array([0.75, 0.85, 1.0, 1.12, 1.25])[year[order] - 2021]
    p_ref = np.clip(REFERRAL_P[cls] * yfac, 0, 0.9)
    is_ref = rng.random(n) < p_ref
    ref_spelling = np.array(["Empfehlung", "Empfehlung", "Empfehlung", "Kundenempfehlung", "Weiterempfehlung",
                             "referral", "Referral", "Word of mouth", "Mundpropaganda", " Empfehlung "], dtype=object)
    channel = np.empty(n, dtype=object)
    channel[is_ref] = ref_spelling[rng.integers(0, len(ref_spelling), n)][is_ref]
    partner = np.full(n, None, dtype=object)
    p_partner = np.where(has_b1, 0.22, 0.09)
    has_partner = rng.random(n) < p_partner
    partner[has_partner] = np.where(
        has_b1[has_partner], "B1 Solutions Süd GmbH",
        np.array(PARTNERS, dtype=object)[rng.integers(1, len(PARTNERS), has_partner.sum())],
    )
    ch_other = np.array(CHANNELS_OTHER, dtype=object)[rng.choice(len(CHANNELS_OTHER), size=n,
                                                                   p=[0.3, 0.16, 0.18, 0.16, 0.12, 0.08])]
    via_partner = has_partner & (rng.random(n) < 0.6)
    ch_other[via_partner] = "Partner"
    channel[~is_ref] = ch_other[~is_ref]
    channel[rng.random(n) < 0.01] = None

    leadership = rng.random(n) < np.where(cls == C_ICP, 0.3, 0.17)
    leadership_null = rng.random(n) < 0.1

    # sales cycle
    cyc = np.round(rng.lognormal(np.log(CYCLE_MEDIAN[cls] * np.where(is_ref, 0.75, 1.0)), 0.45)).astype(np.int64)
    cyc = np.maximum(cyc, 5)
    first_contact = start - cyc
    u = rng.random(n)
    has_cycle_col = u < 0.35
    fc_missing = (has_cycle_col & (rng.random(n) < 0.25)) | (u > 0.985)

    # seats & MRR paths
    adoption = np.where(cls == C_ICP, rng.uniform(0.85, 1.15, n), rng.uniform(0.45, 0.95, n))
    seats0 = np.maximum(1, np.round(dept * adoption)).astype(np.int64)
    plan_p = {C_ICP: [0.1, 0.45, 0.45], C_NEAR: [0.25, 0.55, 0.2], C_MFG: [0.35, 0.5, 0.15],
              C_OTHER: [0.45, 0.45, 0.1], C_DONT: [0.85, 0.15, 0.0]}
    plan = np.array([rng.choice(3, p=plan_p[c]) for c in cls])
    price = np.array([29.0, 49.0, 69.0])[plan]
    connector = np.where(has_b1 & (plan >= 1), 190.0, 0.0)
    expansion_rate = np.array([0.55, 0.3, 0.22, 0.18, 0.03])[cls]  # seat expansions per year

    info = dict(cls=cls, is_ref=is_ref, start=start, churn=np.where(churned, churn, -1), seats0=seats0,
                price=price, connector=connector, expansion_rate=expansion_rate, cyc=cyc, emp=emp,
                has_b1=has_b1, plan=plan, ind=ind)

    names, domains = _unique_companies(name_rng, ind, country, emp, set())
    acc = pl.DataFrame({
        "account_id": [f"K-{10001 + i}" for i in range(n)],
        "company_name": names,
        "industry": ind.tolist(),
        "country": country.tolist(),
        "city": city.tolist(),
        "employees": emp,
        "department_size": dept,
        "annual_revenue": revenue,
        "founded_year": founded.astype(np.int64),
        "business_model": bm.tolist(),
        "partner": partner.tolist(),
        "leadership_change": pl.Series([None if leadership_null[i] else bool(leadership[i]) for i in range(n)],
                                       dtype=pl.Boolean),
        "tech_stack": pl.Series(tech, dtype=pl.List(pl.String)),
        "acquisition_channel": channel.tolist(),
    })
    acc = acc.with_columns(
        _date_series("first_contact_date", first_contact, ~fc_missing),
        _date_series("start_date", start),
        _date_series("churn_date", churn, churned),
        pl.Series("churned", churned, dtype=pl.Boolean),
        pl.Series("sales_cycle_days", np.where(has_cycle_col, cyc, 0), dtype=pl.Int64),
        pl.Series("_has_cycle", has_cycle_col),
    ).with_columns(
        pl.when(pl.col("_has_cycle")).then(pl.col("sales_cycle_days")).otherwise(None).alias("sales_cycle_days")
    ).drop("_has_cycle")
    info["domains"] = domains
    info["region"] = region
    return acc, info


def _mrr_history(rng, info) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Monthly MRR from the start month to the month of the last active day (or Dec 2025)."""
    n = len(info["start"])
    end_days = np.where(info["churn"] >= 0, info["churn"] - 1, _days(DATA_END))
    ids, months, values = [], [], []
    final_mrr = np.zeros(n)
    final_seats = np.zeros(n, dtype=np.int64)
    first_mrr = np.zeros(n)
    epoch = date(1970, 1, 1)
    for i in range(n):
        s = epoch + timedelta(days=int(info["start"][i]))
        e = epoch + timedelta(days=int(end_days[i]))
        n_months = (e.year - s.year) * 12 + (e.month - s.month) + 1
        seats = float(info["seats0"][i])
        # expansion events (seat additions); the "don't want" group sometimes shrinks
        k = int(rng.poisson(info["expansion_rate"][i] * n_months / 12.0)) if n_months > 1 else 0
        ev_months = np.sort(rng.integers(1, max(n_months, 2), k)) if n_months > 1 else np.array([], dtype=np.int64)
        ev_growth = rng.uniform(0.12, 0.4, k)
        shrink = info["cls"][i] == C_DONT and rng.random() < 0.3 and n_months > 3
        shrink_m = int(rng.integers(1, n_months)) if shrink else -1
        y, m = s.year, s.month
        seat_series = []
        ev = 0
        for j in range(n_months):
            while ev < k and ev_months[ev] == j:
                seats = seats * (1 + ev_growth[ev])
                ev += 1
            if j == shrink_m:
                seats = max(1.0, seats * 0.6)
            seat_series.append(max(1, int(round(seats))))
            ids.append(i)
            months.append(_days(date(y, m, 1)))
            m += 1
            if m == 13:
                y, m = y + 1, 1
        vals = [float(round(st * info["price"][i] + info["connector"][i])) for st in seat_series]
        values.extend(vals)
        final_mrr[i] = vals[-1]
        first_mrr[i] = vals[0]
        final_seats[i] = seat_series[-1]
    hist = pl.DataFrame({"_i": np.array(ids, dtype=np.int64), "month": _date_series("month", np.array(months)),
                         "mrr": np.array(values, dtype=np.float64)})
    return hist, final_mrr, final_seats, first_mrr


# --- contacts, NPS, PMF, deals, jobs ------------------------------------------------------------
TITLES = {
    "decision_maker": {
        "mfg": ("Geschäftsführer", "Geschäftsführerin", "Leiter Produktion", "Werkleiter", "COO",
                "Head of Operations", "Technischer Geschäftsführer", "Leiterin Produktion"),
        "svc": ("Geschäftsführer", "Inhaberin", "Managing Director", "CEO", "Head of Operations", "Prokurist"),
    },
    "user": {
        "mfg": ("Produktionsplaner", "Produktionsplanerin", "Fertigungssteuerer", "Arbeitsvorbereitung",
                "Disponent", "Schichtleiter", "Production Planner", "Meister Fertigung"),
        "svc": ("Projektmanager", "Disponentin", "Teamleiter Einsatzplanung", "Operations Manager",
                "Ressourcenplanerin", "Account Manager"),
    },
    "blocker": {
        "mfg": ("IT-Leiter", "Head of IT", "Controller", "Einkaufsleiter", "Betriebsrat", "SAP-Basis-Administrator"),
        "svc": ("IT-Leiter", "Head of Finance", "Controllerin", "Datenschutzbeauftragter"),
    },
    "champion": {
        "mfg": ("Leiter Arbeitsvorbereitung", "Lean Manager", "Operational Excellence Manager",
                "Projektleiter Digitalisierung"),
        "svc": ("Projektleiterin Digitalisierung", "Head of Process Excellence", "Innovation Manager"),
    },
    "other": {
        "mfg": ("Assistenz der Geschäftsführung", "Einkäufer", "Werkstudent Produktion", "Qualitätsmanager"),
        "svc": ("Office Manager", "Assistenz der Geschäftsführung", "Werkstudentin"),
    },
}
SENIORITY = {"decision_maker": ("C-Level", "Leitung"), "user": ("Fachkraft", "Teamleitung", "Junior"),
             "blocker": ("Leitung", "Teamleitung"), "champion": ("Leitung", "Teamleitung"),
             "other": ("Fachkraft", "Junior", "Assistenz")}
DEPARTMENT = {"decision_maker": ("Geschäftsführung", "Produktion", "Operations"),
              "user": ("Produktion", "Arbeitsvorbereitung", "Logistik", "Operations"),
              "blocker": ("IT", "Controlling", "Einkauf"), "champion": ("Produktion", "Operations", "IT"),
              "other": ("Geschäftsführung", "Einkauf", "Qualität")}
AGE_GROUPS = ("18-24", "25-34", "35-44", "45-54", "55-64")
AGE_P = {"decision_maker": (0.0, 0.1, 0.3, 0.4, 0.2), "user": (0.08, 0.42, 0.3, 0.15, 0.05),
         "blocker": (0.0, 0.2, 0.4, 0.3, 0.1), "champion": (0.02, 0.38, 0.4, 0.15, 0.05),
         "other": (0.2, 0.4, 0.2, 0.15, 0.05)}
EDUCATION = ("Ausbildung", "Meister / Techniker", "Bachelor", "Master / Diplom", "Promotion", "MBA")
EDU_P = {"decision_maker": (0.05, 0.15, 0.15, 0.45, 0.1, 0.1), "user": (0.3, 0.3, 0.25, 0.15, 0.0, 0.0),
         "blocker": (0.1, 0.05, 0.35, 0.45, 0.05, 0.0), "champion": (0.05, 0.2, 0.35, 0.35, 0.0, 0.05),
         "other": (0.4, 0.1, 0.35, 0.15, 0.0, 0.0)}
INFO_SOURCES = ("LinkedIn", "Fachmessen", "Podcasts", "Google", "Kollegen/Empfehlungen", "Fachzeitschriften",
                "YouTube", "Webinare", "XING", "VDMA")
MOTIVATION = {
    "decision_maker": ("Termintreue verbessern", "Kosten senken", "Digitalisierung vorantreiben",
                       "Wachstum ohne neue Planer"),
    "user": ("Weniger Excel-Chaos", "Planungssicherheit", "Entlastung im Alltag", "Transparenz in der Fertigung"),
    "blocker": ("Datensicherheit", "Saubere SAP-Integration", "Budgetkontrolle", "Kontrolle über IT-Landschaft"),
    "champion": ("Karriere / Sichtbarkeit", "Lean-Ziele erreichen", "Transparenz in der Fertigung"),
    "other": ("Einfache Bedienung", "Weniger Rückfragen"),
}


def _contacts(rng, acc: pl.DataFrame, info) -> pl.DataFrame:
    rows = []
    cid = 1
    for i, (aid, ind) in enumerate(zip(acc["account_id"], acc["industry"])):
        grp = "mfg" if ind in MANUFACTURING or ind in ("Logistik", "Bau") else "svc"
        is_icp = info["cls"][i] == C_ICP
        k = int(np.clip(rng.poisson(2.3), 0, 5)) + 2
        roles = ["decision_maker", "user"] + list(rng.choice(
            ["user", "blocker", "champion", "other"], size=k - 2, p=[0.4, 0.3, 0.2, 0.1]))
        for role in roles:
            titles = TITLES[role][grp]
            if is_icp and role == "decision_maker":
                title = titles[int(rng.choice([2, 3, 7, 0]))]
            elif is_icp and role == "user":
                title = titles[int(rng.choice([0, 1, 3, 6]))]
            else:
                title = titles[int(rng.integers(0, len(titles)))]
            age_p = np.array(AGE_P[role])
            if is_icp and role == "decision_maker":
                age_p = np.array([0.0, 0.05, 0.2, 0.55, 0.2])
            srcs_p = np.array([0.5, 0.35, 0.15, 0.5, 0.35, 0.25, 0.2, 0.2, 0.12, 0.05])
            if is_icp:
                srcs_p = srcs_p * np.array([0.6, 1.9, 0.8, 0.8, 1.9, 1.6, 1.0, 1.0, 0.8, 5.0])
            if grp == "svc":
                srcs_p = srcs_p * np.array([1.5, 0.4, 2.0, 1.2, 1.0, 0.5, 1.2, 1.3, 1.0, 0.0])
            srcs_p = np.clip(srcs_p, 0, 0.95)
            picked = [s for s, p in zip(INFO_SOURCES, srcs_p) if rng.random() < p]
            if not picked:
                picked = [INFO_SOURCES[int(np.argmax(srcs_p))]]
            rows.append((
                aid, f"C-{cid:05d}", title, str(rng.choice(SENIORITY[role])), str(rng.choice(DEPARTMENT[role])),
                role, AGE_GROUPS[int(rng.choice(5, p=age_p / age_p.sum()))],
                EDUCATION[int(rng.choice(6, p=EDU_P[role]))], picked,
                str(rng.choice(MOTIVATION[role])) if rng.random() > 0.08 else None,
            ))
            cid += 1
    cols = ["account_id", "contact_id", "job_title", "seniority", "department", "buying_role", "age_group",
            "education", "info_sources", "motivation"]
    data = {c: [r[j] for r in rows] for j, c in enumerate(cols)}
    data["info_sources"] = pl.Series(data["info_sources"], dtype=pl.List(pl.String))
    return pl.DataFrame(data)


NPS_COMMENTS = {
    "pro": ("Feinplanung spart uns jeden Tag Zeit", "Super Anbindung an SAP Business One",
            "Termintreue deutlich besser", "Great support, quick onboarding", "Endlich kein Excel mehr",
            "Haben wir schon zwei Partnerfirmen empfohlen"),
    "pas": ("Gut, aber Reports könnten flexibler sein", "Solide, Mobile App fehlt noch",
            "Works well, a bit pricey", "Schnittstelle zu unserem ERP ausbaufähig"),
    "det": ("Zu komplex für unser kleines Team", "Preis passt nicht zum Nutzen", "Support reagiert langsam",
            "We mostly plan projects, not machines", "Einführung hat zu lange gedauert"),
}


def _nps(rng, acc: pl.DataFrame, contacts: pl.DataFrame, info) -> pl.DataFrame:
    by_acc: dict[str, list[str]] = {}
    for a, c in zip(contacts["account_id"], contacts["contact_id"]):
        by_acc.setdefault(a, []).append(c)
    ids = acc["account_id"].to_list()
    rows = []
    for year in range(2021, 2026):
        for month in (3, 9):
            w0 = _days(date(year, month, 1))
            for i in range(len(ids)):
                d = w0 + int(rng.integers(0, 28))
                if not (info["start"][i] <= d and (info["churn"][i] < 0 or info["churn"][i] > d)):
                    continue
                if rng.random() > 0.42:
                    continue
                cs = by_acc[ids[i]]
                k = 2 if (rng.random() < 0.3 and len(cs) > 1) else 1
                who = rng.choice(len(cs), size=k, replace=False)
                for w in who:
                    if info["is_ref"][i]:
                        mu, sd = 9.75, 0.75
                    else:
                        mu, sd = NPS_MU[info["cls"][i]], 1.4
                    if info["churn"][i] >= 0 and info["churn"][i] - d < 200:
                        mu -= 2.5
                    score = int(np.clip(round(rng.normal(mu, sd)), 0, 10))
                    band = "pro" if score >= 9 else ("pas" if score >= 7 else "det")
                    comment = str(rng.choice(NPS_COMMENTS[band])) if rng.random() < 0.35 else None
                    rows.append((ids[i], cs[int(w)], d, score, comment))
    return pl.DataFrame({
        "account_id": [r[0] for r in rows],
        "respondent": [r[1] for r in rows],
        "date": _date_series("date", np.array([r[2] for r in rows])),
        "score": pl.Series([r[3] for r in rows], dtype=pl.Int64),
        "comment": pl.Series([r[4] for r in rows], dtype=pl.String),
    }).sort(["date", "account_id", "respondent"])


BENEFITS = {
    C_ICP: ("Feinplanung direkt aus SAP Business One", "Maschinenbelegung auf einen Blick",
            "Termintreue gegenüber Kunden", "Realistic delivery dates"),
    C_NEAR: ("Maschinenbelegung auf einen Blick", "Schichtplanung ohne Excel", "Termintreue gegenüber Kunden"),
    C_MFG: ("Schichtplanung ohne Excel", "Transparenz in der Fertigung", "Kapazitätsplanung"),
    C_OTHER: ("Einsatzplanung im Team", "Übersicht über Aufträge", "Ressourcenplanung"),
    C_DONT: ("Projektübersicht", "Zeitplanung für Kundenprojekte", "Nicht sicher"),
}


def _pmf(rng, acc: pl.DataFrame, contacts: pl.DataFrame, info) -> pl.DataFrame:
    d_lo, d_hi = _days(date(2025, 10, 6)), _days(date(2025, 10, 31))
    active = (info["start"] <= d_lo) & ((info["churn"] < 0) | (info["churn"] > d_hi))
    idx_of = {a: i for i, a in enumerate(acc["account_id"].to_list())}
    rows = []
    for aid, cid, role in zip(contacts["account_id"], contacts["contact_id"], contacts["buying_role"]):
        i = idx_of[aid]
        if not active[i] or role not in ("user", "champion", "decision_maker") or rng.random() > 0.2:
            continue
        c = int(info["cls"][i])
        p = np.array(ELLIS_P[c])
        if info["is_ref"][i]:
            p = p + np.array([0.1, -0.05, -0.05])
            p = np.clip(p, 0.01, 1)
            p = p / p.sum()
        ans = ("very", "somewhat", "not")[int(rng.choice(3, p=p))]
        benefit = str(rng.choice(BENEFITS[c])) if rng.random() < 0.85 else None
        comment = None
        if rng.random() < 0.2:
            comment = {"very": "Ohne Taktwerk müssten wir zurück zu Excel",
                       "somewhat": "Nützlich, aber ersetzbar",
                       "not": "Wir nutzen es kaum noch"}[ans]
        rows.append((cid, aid, d_lo + int(rng.integers(0, d_hi - d_lo + 1)), ans, benefit, comment))
    return pl.DataFrame({
        "respondent": [r[0] for r in rows], "account_id": [r[1] for r in rows],
        "date": _date_series("date", np.array([r[2] for r in rows])),
        "answer": [r[3] for r in rows],
        "main_benefit": pl.Series([r[4] for r in rows], dtype=pl.String),
        "comment": pl.Series([r[5] for r in rows], dtype=pl.String),
    }).sort(["date", "respondent"])


def _deals(rng, acc: pl.DataFrame, info, first_mrr) -> pl.DataFrame:
    rows = []
    ids = acc["account_id"].to_list()
    fc = acc["first_contact_date"].to_list()
    for i, aid in enumerate(ids):
        created = int(info["start"][i] - info["cyc"][i])
        c = int(info["cls"][i])
        # an earlier, lost attempt (more often for the groups that are hard to win)
        if rng.random() < (0.08, 0.18, 0.28, 0.33, 0.55)[c]:
            lost_close = created - int(rng.integers(60, 400))
            lost_created = lost_close - int(rng.integers(20, 150))
            rows.append([aid, lost_created, lost_close, "lost", float(round(first_mrr[i] * 12 * rng.uniform(0.8, 1.3)))])
        rows.append([aid, created, int(info["start"][i]), "won", float(first_mrr[i] * 12)])
    # lost and open new-business deals of companies that never became customers
    n_lost = 2300
    created = rng.integers(_days(date(2020, 9, 1)), _days(date(2025, 11, 30)), n_lost)
    close = np.minimum(created + rng.integers(20, 200, n_lost), _days(DATA_END))
    amounts = np.round(rng.lognormal(np.log(6000), 0.8, n_lost), -1)
    for k in range(n_lost):
        rows.append([None, int(created[k]), int(close[k]), "lost", float(amounts[k])])
    n_open = 320
    created = rng.integers(_days(date(2025, 7, 1)), _days(DATA_END) + 1, n_open)
    amounts = np.round(rng.lognormal(np.log(7000), 0.8, n_open), -1)
    open_acc = rng.random(n_open) < 0.25  # upsell opportunities with active customers
    active_ids = [ids[i] for i in range(len(ids)) if info["churn"][i] < 0]
    for k in range(n_open):
        aid = active_ids[int(rng.integers(0, len(active_ids)))] if open_acc[k] else None
        rows.append([aid, int(created[k]), None, "open", float(amounts[k])])
    rows.sort(key=lambda r: (r[1], r[0] or "", r[3]))
    del fc
    return pl.DataFrame({
        "deal_id": [f"D-{i + 1:05d}" for i in range(len(rows))],
        "account_id": pl.Series([r[0] for r in rows], dtype=pl.String),
        "created_date": _date_series("created_date", np.array([r[1] for r in rows])),
        "closed_date": _date_series("closed_date", np.array([r[2] if r[2] is not None else 0 for r in rows]),
                                    np.array([r[2] is not None for r in rows])),
        "outcome": [r[3] for r in rows],
        "amount": pl.Series([r[4] for r in rows], dtype=pl.Float64),
    })


JOBS = {
    C_ICP: {
        "job": ("Maschinenbelegung für Kundenaufträge planen", "Liefertermine verlässlich zusagen",
                "Feinplanung aus SAP Business One heraus"),
        "challenge": ("Planung in Excel neben SAP B1, doppelte Pflege", "Eilaufträge werfen den Plan um",
                      "Keine Sicht auf Maschinenauslastung"),
        "ideal_state": ("Ein Plan, live aus SAP B1, für alle sichtbar", "Termintreue über 95 %",
                        "Realistic delivery dates in minutes"),
        "trigger": ("Neuer Werkleiter", "SAP-Business-One-Einführung", "Verlorener Großkunde wegen Lieferverzug",
                    "Zweite Schicht eingeführt"),
    },
    C_NEAR: {
        "job": ("Maschinenbelegung planen", "Kapazitäten abstimmen"),
        "challenge": ("Excel-Plantafel stößt an Grenzen", "Wissen steckt in einem Kopf"),
        "ideal_state": ("Transparente Plantafel", "Weniger Abstimmungsrunden"),
        "trigger": ("Planer geht in Rente", "ERP-Wechsel", "Wachstum"),
    },
    C_MFG: {
        "job": ("Schichten und Linien planen", "Kapazitätsplanung", "Material und Maschine synchronisieren"),
        "challenge": ("Medienbrüche zwischen ERP und Halle", "Zu viele Rüstvorgänge"),
        "ideal_state": ("Weniger Rüstzeiten", "Plan passt zur Realität in der Halle"),
        "trigger": ("Audit eines Großkunden", "Neue Produktionslinie", "Fachkräftemangel in der AV"),
    },
    C_OTHER: {
        "job": ("Touren und Personal einplanen", "Einsatzplanung", "Aufträge priorisieren"),
        "challenge": ("Viele Tools, keine Übersicht", "Kurzfristige Änderungen"),
        "ideal_state": ("Alles in einem Tool", "Weniger Telefonate"),
        "trigger": ("Neuer Standort", "Wachstum", "Förderprogramm Digitalisierung"),
    },
    C_DONT: {
        "job": ("Projekte und Freelancer planen", "Plan client projects"),
        "challenge": ("Tool passt nicht zu Projektarbeit", "Zu wenige Nutzer für den Aufwand"),
        "ideal_state": ("Einfaches Projekt-Board", "Cheap and simple"),
        "trigger": ("Kunde verlangt Terminplan", "Neuer Mitarbeiter"),
    },
}


def _jobs(rng, acc: pl.DataFrame, info) -> pl.DataFrame:
    ids = acc["account_id"].to_list()
    pick = np.sort(rng.choice(len(ids), size=560, replace=False))
    rows = []
    for i in pick:
        c = int(info["cls"][i])
        role = str(rng.choice(["user", "decision_maker", "blocker"], p=[0.45, 0.4, 0.15]))
        j = JOBS[c]
        rows.append((ids[i], role, str(rng.choice(j["job"])), str(rng.choice(j["challenge"])),
                     str(rng.choice(j["ideal_state"])), str(rng.choice(j["trigger"]))))
    return pl.DataFrame({k: [r[n] for r in rows] for n, k in
                         enumerate(["account_id", "role", "job", "challenge", "ideal_state", "trigger"])})


# --- market and prospects -----------------------------------------------------------------------
def _companies(rng, n: int, taken: set[str], ind_w=MKT_IND_W, median=40.0, sigma=1.3,
               force: dict | None = None) -> pl.DataFrame:
    ind_idx = rng.choice(len(INDUSTRIES), size=n, p=ind_w / ind_w.sum())
    emp = np.maximum(1, np.round(rng.lognormal(np.log(median), sigma, n))).astype(np.int64)
    if force:
        for key, (mask, val) in force.items():
            if key == "industry":
                ind_idx[mask] = INDUSTRIES.index(val)
            elif key == "employees":
                emp[mask] = val[mask]
    ind = np.array(INDUSTRIES, dtype=object)[ind_idx]
    city, country, _ = _cities(rng, n)
    revenue = _revenue(rng, ind_idx, emp)
    founded = _founded(rng, ind_idx, 2025)
    bm = _business_model(rng, ind)
    boost = None
    if force and "b1" in force:
        mask, val = force["b1"]
        boost = np.where(mask, val, 0.0)
    tech = _tech(rng, ind, emp, b1_boost=boost)
    if force and "no_b1" in force:
        mask = force["no_b1"][0]
        tech = [[t for t in s if t != ICP_TOOL] if mask[i] else s for i, s in enumerate(tech)]
    names, domains = _unique_companies(rng, ind, country, emp, taken)
    return pl.DataFrame({
        "name": names, "domain": domains, "industry": ind.tolist(), "country": country.tolist(),
        "city": city.tolist(), "employees": emp, "annual_revenue": revenue,
        "founded_year": founded.astype(np.int64), "business_model": bm.tolist(),
        "tech_stack": pl.Series(tech, dtype=pl.List(pl.String)),
    })


def _market(rng, acc: pl.DataFrame, info, size: int, taken_extra: set[str]) -> pl.DataFrame:
    taken = {d.rsplit(".", 1)[0].replace("-", "") for d in info["domains"]} | taken_extra
    others = _companies(rng, size - acc.height, taken)
    # the customers as a data vendor lists them: same firmographics, own ids, names sometimes
    # in other spelling (upper case, doubled spaces) -> match by normalised name or domain
    n = acc.height
    style = rng.random(n)
    names = [
        nm.upper() if (s < 0.06 and "ß" not in nm) else (nm.replace(" ", "  ", 1) if s < 0.1 else (f" {nm}" if s < 0.12 else nm))
        for nm, s in zip(acc["company_name"].to_list(), style)
    ]
    cust = acc.select(
        pl.Series("name", names), pl.Series("domain", info["domains"]), "industry", "country", "city",
        "employees", "annual_revenue", "founded_year", "business_model", "tech_stack",
    )
    allc = pl.concat([others, cust])
    perm = rng.permutation(allc.height)
    allc = allc[perm]
    return allc.with_columns(pl.Series("company_id", [f"M-{i + 1:06d}" for i in range(allc.height)])).select(
        "company_id", *cust.columns)


def _prospects(rng, taken: set[str]) -> pl.DataFrame:
    n = N_PROSPECTS
    u = rng.random(n)
    fit = u < 0.22          # built to fit the ICP
    near = (u >= 0.22) & (u < 0.40)  # near misses: one criterion off
    emp_fit = np.round(rng.uniform(55, 195, n)).astype(np.int64)
    force = {"industry": (fit | near, ICP_INDUSTRY), "employees": (fit, emp_fit), "b1": (fit, 1.0)}
    df = _companies(rng, n, taken, force=force)
    # near misses: Maschinenbau with either the wrong size or no SAP Business One
    kind = rng.random(n)
    emp = df["employees"].to_numpy().copy()
    wrong_size = near & (kind < 0.5)
    emp[wrong_size] = np.where(rng.random(n) < 0.5, rng.integers(11, 50, n), rng.integers(201, 480, n))[wrong_size]
    no_b1 = near & (kind >= 0.5)
    emp[no_b1] = emp_fit[no_b1]
    old_emp = df["employees"].to_numpy()
    revenue = np.round(df["annual_revenue"].to_numpy() * emp / old_emp / 1000.0) * 1000.0  # keep revenue/employee
    tech = [[t for t in s if t != ICP_TOOL] if no_b1[i] else s for i, s in enumerate(df["tech_stack"].to_list())]
    df = df.with_columns(pl.Series("employees", emp), pl.Series("annual_revenue", revenue),
                         pl.Series("tech_stack", tech, dtype=pl.List(pl.String)))
    return df.with_columns(pl.Series("company_id", [f"P-{i + 1:05d}" for i in range(n)])).select(
        "company_id", *[c for c in df.columns])


# --- assembly ------------------------------------------------------------------------------------
def build_frames(market_size: int = MARKET_SIZE, seed: int = SEED) -> dict[str, pl.DataFrame]:
    """All tables of the sample company, in canonical form (see icp_core.schema)."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    acc, info = _accounts(streams[0], streams[7])
    hist, final_mrr, final_seats, first_mrr = _mrr_history(streams[4], info)
    ids = acc["account_id"]
    hist = hist.with_columns(pl.col("_i").map_elements(lambda i: ids[i], return_dtype=pl.String).alias("account_id"))
    hist = hist.select("account_id", "month", "mrr")
    contacts = _contacts(streams[1], acc, info)
    nps = _nps(streams[2], acc, contacts, info)
    latest = (nps.sort(["date", "respondent"]).group_by("account_id", maintain_order=True)
              .agg(pl.col("score").last().alias("nps")))
    acc = acc.with_columns(pl.Series("mrr", final_mrr), pl.Series("seats", final_seats, dtype=pl.Int64))
    acc = acc.join(latest, on="account_id", how="left")
    # the user's own labels on a few dozen rows
    r = streams[5]
    tier = np.full(acc.height, None, dtype=object)
    cls = info["cls"]
    for c, label, k in ((C_ICP, "want_more", 30), (C_DONT, "dont_want", 15), (C_MFG, "neutral", 15)):
        cand = np.flatnonzero(cls == c)
        tier[np.sort(r.choice(cand, size=k, replace=False))] = label
    acc = acc.with_columns(
        pl.Series("tier", tier.tolist(), dtype=pl.String),
        pl.Series("Vertriebsregion", info["region"].tolist(), dtype=pl.String),
        pl.Series("Account Owner", np.array(OWNERS, dtype=object)[r.integers(0, len(OWNERS), acc.height)].tolist(),
                  dtype=pl.String),
    )
    has_web = r.random(acc.height) < 0.8
    acc = acc.with_columns(pl.Series("Website", [f"www.{d}" if w else None for d, w in zip(info["domains"], has_web)],
                                     dtype=pl.String))
    frames = {
        "accounts": acc,
        "contacts": contacts,
        "nps_responses": nps,
        "pmf_survey": _pmf(streams[3], acc, contacts, info),
        "mrr_history": hist,
        "deals": _deals(streams[6], acc, info, first_mrr),
        "jobs": _jobs(streams[8], acc, info),
    }
    taken_prospects: set[str] = {d.rsplit(".", 1)[0].replace("-", "") for d in info["domains"]}
    frames["prospects"] = _prospects(streams[9], taken_prospects)
    taken_market = {d.rsplit(".", 1)[0].replace("-", "") for d in frames["prospects"]["domain"].to_list()}
    frames["market"] = _market(streams[10], acc, info, market_size, taken_market)
    return {t: canonical(t, frames[t]) for t in TABLE_ORDER}


POLARS_TYPES = {
    "text": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean,
    "country": pl.String, "list": pl.List(pl.String), "enum": pl.String,
}


def expected_schema(table: str) -> dict[str, pl.DataType]:
    """Column -> polars type of the canonical stored table (plus the sample's extra columns)."""
    sys.path.insert(0, str(HERE.parent))
    from icp_core.schema import stored_fields

    cols = {f.name: POLARS_TYPES[f.type] for f in stored_fields(table)}
    if table == "accounts":
        cols.update({c: pl.String for c in ACCOUNT_EXTRAS})
    return cols


def canonical(table: str, df: pl.DataFrame) -> pl.DataFrame:
    schema = expected_schema(table)
    return df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
                      for c, t in schema.items()])


def write_frames(frames: dict[str, pl.DataFrame], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in frames.items():
        p = out_dir / f"{name}.parquet"
        tmp = out_dir / f"{name}.parquet.tmp"
        df.write_parquet(tmp, compression="zstd", compression_level=9, statistics=False, row_group_size=200_000)
        tmp.replace(p)
        paths[name] = p
    return paths


def generate(out_dir: Path | str = HERE, market_size: int = MARKET_SIZE, seed: int = SEED) -> dict[str, pl.DataFrame]:
    frames = build_frames(market_size=market_size, seed=seed)
    write_frames(frames, Path(out_dir))
    return frames


# --- the truth: METRICS.md, read literally ----------------------------------------------------------
def _active(t: date) -> pl.Expr:
    return (pl.col("start_date") <= t) & (pl.col("churn_date").is_null() | (pl.col("churn_date") > t))


def _is_referral() -> pl.Expr:
    return pl.col("acquisition_channel").str.strip_chars().str.to_lowercase().is_in(list(REFERRAL_VALUES)).fill_null(False)


def _nps_value(scores: pl.Series) -> float | None:
    if scores.len() == 0:
        return None
    pro = int((scores >= 9).sum())
    det = int((scores <= 6).sum())
    return round(100.0 * (pro - det) / scores.len(), 2)


def _group_figures(acc: pl.DataFrame, nps_win: pl.DataFrame, as_of: date, t0: date) -> dict:
    base = acc.filter(_active(t0))
    retained = base.filter(_active(as_of))
    active = acc.filter(_active(as_of))
    scores = nps_win.join(acc.select("account_id"), on="account_id", how="semi")["score"]
    cyc = acc.select(pl.coalesce(pl.col("sales_cycle_days"),
                                 (pl.col("start_date") - pl.col("first_contact_date")).dt.total_days()).alias("c"))["c"].drop_nulls()
    return {
        "accounts": acc.height,
        "active_accounts": active.height,
        "retention_12m": round(retained.height / base.height, 4) if base.height else None,
        "retention_n": base.height,
        "retained": retained.height,
        "arr": round(float(active["mrr"].fill_null(0).sum()) * 12, 2),
        "arpa": round(float(active["mrr"].fill_null(0).sum()) * 12 / active.height, 2) if active.height else None,
        "referral_rate": round(acc.select(_is_referral().mean()).item(), 4),
        "nps": _nps_value(scores),
        "nps_n": scores.len(),
        "median_sales_cycle_days": float(cyc.median()) if cyc.len() else None,
    }


def compute_truth(frames: dict[str, pl.DataFrame], today: date | None = None) -> dict:
    today = today or date.today()
    acc = frames["accounts"]
    dates = pl.concat([acc["start_date"], acc["churn_date"]]).drop_nulls()
    as_of = dates.filter(dates <= today).max()
    t0 = one_year_before(as_of)
    acc = acc.with_columns(size_band_expr().alias("size_band"))
    nps_win = frames["nps_responses"].filter((pl.col("date") > t0) & (pl.col("date") <= as_of))

    overall = _group_figures(acc, nps_win, as_of, t0)
    icp_mask = ((pl.col("industry") == ICP_INDUSTRY) & (pl.col("size_band") == ICP_BAND)
                & pl.col("tech_stack").list.contains(ICP_TOOL))
    icp = _group_figures(acc.filter(icp_mask), nps_win, as_of, t0)
    seg = _group_figures(acc.filter((pl.col("industry") == ICP_INDUSTRY) & (pl.col("size_band") == ICP_BAND)),
                         nps_win, as_of, t0)
    dont = _group_figures(acc.filter((pl.col("industry") == DONT_INDUSTRY) & (pl.col("size_band") == DONT_BAND)),
                          nps_win, as_of, t0)

    # every industry x size_band segment
    segs = []
    for (ind, band), g in acc.group_by(["industry", "size_band"], maintain_order=False):
        f = _group_figures(g, nps_win, as_of, t0)
        segs.append({"industry": ind, "size_band": band, **f})
    segs.sort(key=lambda s: (s["industry"], s["size_band"]))
    big = [s for s in segs if s["retention_n"] >= 30]
    best = max(big, key=lambda s: (s["retention_12m"], s["retention_n"]))
    second = sorted(big, key=lambda s: -s["retention_12m"])[1]
    arpa_big = [s for s in segs if s["active_accounts"] >= 30]
    best_arpa = max(arpa_big, key=lambda s: s["arpa"])

    def _best(metric: str, n_key: str, lowest: bool = False) -> str:
        cand = [s for s in segs if s[n_key] >= 30 and s[metric] is not None]
        top = (min if lowest else max)(cand, key=lambda s: s[metric])
        return f"{top['industry']} x {top['size_band']}"

    best_by = {
        "retention_12m": _best("retention_12m", "retention_n"),
        "arpa": _best("arpa", "active_accounts"),
        "referral_rate": _best("referral_rate", "accounts"),
        "nps": _best("nps", "nps_n"),
        "shortest_median_sales_cycle": _best("median_sales_cycle_days", "accounts", lowest=True),
    }

    # PMF indicators
    ref_ids = acc.filter(_is_referral()).select("account_id")
    ref_scores = nps_win.join(ref_ids, on="account_id", how="semi")["score"]
    new = acc.filter((pl.col("start_date") > t0) & (pl.col("start_date") <= as_of))
    new_ref = new.filter(_is_referral())
    rev_share = float(new_ref["mrr"].fill_null(0).sum()) / float(new["mrr"].fill_null(0).sum())
    ellis = frames["pmf_survey"]["answer"]
    very = float((ellis == "very").sum()) / ellis.len()
    indicators = {
        "referral_score": {"mean": round(float(ref_scores.mean()), 4), "n": ref_scores.len(),
                           "pass": bool(ref_scores.mean() >= 9.0)},
        "referral_share": {"revenue_share": round(rev_share, 4), "count_share": round(new_ref.height / new.height, 4),
                           "n_new": new.height, "pass": rev_share >= 0.30},
        "retention": {"logo_12m": overall["retention_12m"], "n": overall["retention_n"],
                      "best_segment": {"industry": best["industry"], "size_band": best["size_band"],
                                       "retention_12m": best["retention_12m"], "n": best["retention_n"]},
                      "pass": best["retention_12m"] >= 0.90},
        "sean_ellis": {"very_share": round(very, 4), "n": ellis.len(), "pass": very >= 0.40},
    }
    passes = [v["pass"] for v in indicators.values()]
    verdict = "reached" if all(passes) else ("partial" if any(passes) else "not yet")

    # revenue retention from mrr_history
    h = frames["mrr_history"]
    m0, m1 = t0.replace(day=1), as_of.replace(day=1)
    then = h.filter((pl.col("month") == m0) & (pl.col("mrr") > 0)).select("account_id", pl.col("mrr").alias("m0"))
    now = h.filter(pl.col("month") == m1).select("account_id", pl.col("mrr").alias("m1"))
    j = then.join(now, on="account_id", how="left").with_columns(pl.col("m1").fill_null(0))
    nrr = float(j["m1"].sum()) / float(j["m0"].sum())
    grr = float(j.select(pl.min_horizontal("m0", "m1")).to_series().sum()) / float(j["m0"].sum())

    # market
    mk = frames["market"]
    mk_icp = mk.filter((pl.col("industry") == ICP_INDUSTRY) & pl.col("employees").is_between(51, 200)
                       & pl.col("tech_stack").list.contains(ICP_TOOL))
    key = normalise_name(pl.col("company_name"))
    mkey = normalise_name(pl.col("name"))
    active_keys = acc.filter(_active(as_of)).select(key.alias("k"))
    matched_all = mk.select(mkey.alias("k")).join(acc.select(key.alias("k")), on="k", how="semi").height
    icp_customers = mk_icp.select(mkey.alias("k")).join(active_keys, on="k", how="semi").height
    active_arr = acc.filter(_active(as_of) & (pl.col("mrr") > 0))["mrr"] * 12
    pr = frames["prospects"]
    pr_fit = pr.filter((pl.col("industry") == ICP_INDUSTRY) & pl.col("employees").is_between(51, 200)
                       & pl.col("tech_stack").list.contains(ICP_TOOL)).height

    return {
        "as_of": as_of.isoformat(),
        "as_of_minus_12m": t0.isoformat(),
        "rows": {t: frames[t].height for t in TABLE_ORDER},
        "overall": overall,
        "icp": {"definition": f"industry = {ICP_INDUSTRY}, employees 51-200, tech_stack contains {ICP_TOOL}", **icp},
        "icp_segment": {"definition": f"industry = {ICP_INDUSTRY} x size_band {ICP_BAND}", **seg},
        "dont_want": {"definition": f"industry = {DONT_INDUSTRY} x size_band {DONT_BAND}", **dont},
        "best_retention_segment": best,
        "second_retention_segment": {k: second[k] for k in ("industry", "size_band", "retention_12m", "retention_n")},
        "best_arpa_segment": {k: best_arpa[k] for k in ("industry", "size_band", "arpa", "active_accounts")},
        "segments_with_n30": len(big),
        "best_segment_by": best_by,
        "pmf": {**indicators, "verdict": verdict},
        "revenue_retention": {"nrr": round(nrr, 4), "grr": round(grr, 4), "n": then.height},
        "market": {"companies": mk.height, "icp_matches": mk_icp.height, "icp_matches_active_customers": icp_customers,
                   "customers_matched_by_name": matched_all, "acv": float(active_arr.median())},
        "prospects": {"companies": pr.height, "icp_fits": pr_fit},
    }


def render_truth(truth: dict) -> str:
    o, i, s, d, p = truth["overall"], truth["icp"], truth["icp_segment"], truth["dont_want"], truth["pmf"]

    def pct(x):
        return "–" if x is None else f"{100 * x:.2f} %"

    def row(name, f):
        return (f"| {name} | {f['accounts']} | {f['active_accounts']} | {pct(f['retention_12m'])} "
                f"({f['retained']}/{f['retention_n']}) | {f['arpa']:.2f} | {pct(f['referral_rate'])} | "
                f"{f['nps']} (n={f['nps_n']}) | {f['median_sales_cycle_days']} |")

    b = truth["best_retention_segment"]
    lines = [
        f"- **as_of = {truth['as_of']}** (latest start/churn date; the 12-month window starts after "
        f"{truth['as_of_minus_12m']}).",
        "",
        "| group | accounts | active | 12-month logo retention (retained/base) | ARPA (EUR/yr) | referral rate | NPS 12 m (n) | median sales cycle (days) |",
        "|---|---|---|---|---|---|---|---|",
        row("all accounts", o),
        row("ICP: Maschinenbau, 51-200, uses SAP Business One", i),
        row("segment Maschinenbau x 51-200 (any tools)", s),
        row("don't want more of: Agentur / Beratung x 1-10", d),
        "",
        f"- Best industry x size_band segment with base n >= 30: **{b['industry']} x {b['size_band']}**, "
        f"retention {pct(b['retention_12m'])}, n = {b['retention_n']} "
        f"(runner-up: {truth['second_retention_segment']['industry']} x {truth['second_retention_segment']['size_band']}, "
        f"{pct(truth['second_retention_segment']['retention_12m'])}, n = {truth['second_retention_segment']['retention_n']}; "
        f"{truth['segments_with_n30']} segments have n >= 30).",
        f"- Highest ARPA among industry x size_band segments with >= 30 active accounts: "
        f"**{truth['best_arpa_segment']['industry']} x {truth['best_arpa_segment']['size_band']}**, "
        f"{truth['best_arpa_segment']['arpa']:.2f} EUR/yr ({truth['best_arpa_segment']['active_accounts']} active).",
        "- Best industry x size_band segment (n >= 30 for the metric) on each figure: "
        + "; ".join(f"{k}: **{v}**" for k, v in truth["best_segment_by"].items()) + ".",
        f"- ARR (active at as_of) = {o['arr']:.2f} EUR; revenue retention from mrr_history (Dec 2024 -> Dec 2025): "
        f"NRR {pct(truth['revenue_retention']['nrr'])}, GRR {pct(truth['revenue_retention']['grr'])}, "
        f"n = {truth['revenue_retention']['n']}.",
        "",
        "PMF indicators (METRICS.md):",
        "",
        "| indicator | value | n | threshold | pass |",
        "|---|---|---|---|---|",
        f"| referral score (mean NPS answer of referral customers, 12 m) | {p['referral_score']['mean']:.4f} | "
        f"{p['referral_score']['n']} | >= 9.0 | {p['referral_score']['pass']} |",
        f"| referral share of new business by revenue (count share {pct(p['referral_share']['count_share'])}) | "
        f"{pct(p['referral_share']['revenue_share'])} | {p['referral_share']['n_new']} new accounts | >= 30 % | "
        f"{p['referral_share']['pass']} |",
        f"| retention in a group (best segment) | {pct(p['retention']['best_segment']['retention_12m'])} | "
        f"{p['retention']['best_segment']['n']} | >= 90 % | {p['retention']['pass']} |",
        f"| Sean Ellis 'very disappointed' share | {pct(p['sean_ellis']['very_share'])} | {p['sean_ellis']['n']} | "
        f">= 40 % | {p['sean_ellis']['pass']} |",
        "",
        f"**Verdict: {p['verdict']}.** Overall NPS (12 m): {o['nps']} (n = {o['nps_n']}).",
        "",
        f"- Market: {truth['market']['companies']} companies (TAM); {truth['market']['icp_matches']} match the ICP "
        f"(Maschinenbau, 51-200 employees, SAP Business One), {truth['market']['icp_matches_active_customers']} of "
        f"them active customers; all {truth['market']['customers_matched_by_name']} customer companies are in the "
        f"market (matched by normalised name). ACV (median ARR of active accounts with mrr > 0) = "
        f"{truth['market']['acv']:.2f} EUR.",
        f"- Prospects: {truth['prospects']['companies']} companies, **{truth['prospects']['icp_fits']} fit the ICP** "
        "(same three criteria).",
        "",
        "Machine-readable (as produced by `compute_truth`):",
        "",
        "```json",
        json.dumps(truth, indent=1, ensure_ascii=False),
        "```",
    ]
    return "\n".join(lines)


BEGIN, END = "<!-- TRUTH:BEGIN (generated by generate.py) -->", "<!-- TRUTH:END -->"


def update_readme(truth: dict, readme: Path = HERE / "README.md") -> None:
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{render_truth(truth)}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--check" in sys.argv:
        fr = build_frames()
        print(json.dumps(compute_truth(fr), indent=1, ensure_ascii=False))
    else:
        fr = generate(HERE)
        tr = compute_truth(fr)
        update_readme(tr)
        # the store first launch copies (icp_core.sample.seed_new_store), built from these files
        from icp_core.sample import build_prebuilt_store

        build_prebuilt_store(HERE)
        print(json.dumps(tr, indent=1, ensure_ascii=False))
