"""Finding the best customers automatically: readable rules (a shallow decision tree) and a
clustering of customers into a handful of named groups.

Outcome "retained-and-high-ARPA" (the target of the rules): an account is a *best customer* when
it is active at as_of (so it was retained over the last 12 months when it was in the 12-month
base) **and** its own ARPA (12 x mrr) is above the median ARPA of all active accounts with mrr.
Everything else (churned, or paying the median or less, or without mrr) is 0.

Rules: sklearn ``DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(min_n, 1% of accounts),
random_state=0)`` over firmographic and technographic one-hot features (industry, size band,
country, business model, and "uses TOOL" for the most common tools). Each leaf becomes a rule
("industry = Maschinenbau AND size band = 51-200 AND uses SAP Business One") with its support n,
outcome rate, lift (rate / overall rate) and Wilson interval; rules with a rate above the
overall rate are returned, best first. Fitted on at most 200,000 accounts (a fixed random
sample), the figures always over all accounts.

Clusters: KMeans (k = 4..6, the k with the best silhouette on a fixed sample; random_state=0,
n_init=4) on standardised numeric features (log employees, log revenue, company age) plus the
one-hot features; fitted on at most 20,000 accounts and applied to all. Each cluster gets its
profile (dominant industry, size band, tools used by at least half of it) and its figures
(accounts, 12-month retention, ARPA, NPS, referral rate), and a name made of its dominant traits.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import polars as pl

from icp_core.metrics_common import MIN_N, parse_filter, size_band_sql, wilson

TOP_TOOLS = 10
TOP_CATEGORIES = 12
TREE_MAX_ROWS = 200_000
CLUSTER_MAX_ROWS = 20_000
CATEGORICAL = ("industry", "size_band", "country", "business_model")
CHUNK_ROWS = 100_000  # one-hot matrices are built this many rows at a time (memory), never for all at once


def account_features(cur: duckdb.DuckDBPyConnection, filters=(), as_of: date | None = None,
                     top_tools: int = TOP_TOOLS) -> tuple[pl.DataFrame, list[str]]:
    """One row per (filtered) account: categorical traits, tool flags, numeric traits and outcomes."""
    from icp_core import segments as S

    ctx = S._context(cur, as_of)
    flts = [parse_filter(f) if isinstance(f, str) else f for f in filters]
    tools = [t for t, _ in S.top_tools_of(cur, top_tools)] if "tech_stack" in ctx.columns else []
    q = S._Sql()
    S._base_sql(q, ctx, flts, S.normalise_channels(None))
    sel = ["account_id"]
    for c in ("industry", "country", "business_model"):
        sel.append(f"CAST({S._col(ctx, c)} AS VARCHAR) AS {c}" if c in ctx.columns else f"CAST(NULL AS VARCHAR) AS {c}")
    sel.append(f"{size_band_sql()} AS size_band" if "employees" in ctx.columns else "CAST(NULL AS VARCHAR) AS size_band")
    sel.append(f"CAST({S._col(ctx, 'employees', 'BIGINT')} AS DOUBLE) AS employees")
    sel.append(f"CAST({S._col(ctx, 'annual_revenue', 'DOUBLE')} AS DOUBLE) AS annual_revenue")
    sel.append(f"CAST({ctx.as_of.year} - {S._col(ctx, 'founded_year', 'BIGINT')} AS DOUBLE) AS company_age")
    q.add(" SELECT " + ", ".join(sel))
    for i, tool in enumerate(tools):
        q.add(f", coalesce(list_contains(list_transform(tech_stack, lambda x: lower(trim(x))), ?), FALSE) AS _tool{i}",
              [tool.strip().casefold()])
    q.add(", _active, _in_base, _in_base AND _active AS _retained, _mrr, _nps_n, _nps_p, _nps_d, _ref FROM base")
    frame = cur.sql(q.text, params=q.params).pl()
    return frame, tools


def _outcome(frame: pl.DataFrame) -> tuple[np.ndarray, float | None]:
    arr = frame["_mrr"] * 12
    active = frame["_active"].fill_null(False)
    act_arr = arr.filter(active & arr.is_not_null())
    if act_arr.len() == 0:
        return np.zeros(frame.height, dtype=bool), None
    median = float(act_arr.median())
    y = (active & (arr > median)).fill_null(False).to_numpy()
    return y.astype(bool), median


def _one_hot_meta(frame: pl.DataFrame, tools: list[str]) -> list[dict]:
    """What each 0/1 column means: {"field", "value"} (the most common values of each categorical
    field that has at least two) or {"tool"}."""
    meta = []
    for c in CATEGORICAL:
        top = frame[c].fill_null("(unknown)").value_counts(sort=True).head(TOP_CATEGORIES)[c].to_list()
        if len(top) < 2:
            continue
        meta += [{"field": c, "value": v} for v in top]
    return meta + [{"tool": tool} for tool in tools]


def _one_hot_rows(frame: pl.DataFrame, meta: list[dict], tools: list[str], dtype=np.float64) -> np.ndarray:
    """The 0/1 matrix of `frame`'s rows (a slice or a sample) for the columns `meta` describes."""
    X = np.zeros((frame.height, len(meta)), dtype=dtype)
    filled: dict[str, pl.Series] = {}
    for j, m in enumerate(meta):
        if "tool" in m:
            X[:, j] = frame[f"_tool{tools.index(m['tool'])}"].to_numpy()
        else:
            col = filled.get(m["field"])
            if col is None:
                col = filled[m["field"]] = frame[m["field"]].fill_null("(unknown)")
            X[:, j] = (col == m["value"]).to_numpy()
    return X


def _one_hot(frame: pl.DataFrame, tools: list[str]) -> tuple[np.ndarray, list[dict]]:
    """Columns of 0/1 and what each means: {"field", "value"} or {"tool"} (the whole frame)."""
    meta = _one_hot_meta(frame, tools)
    if not meta:
        return np.zeros((frame.height, 0)), []
    return _one_hot_rows(frame, meta, tools), meta


def _chunks(n: int, size: int | None = None):
    size = size or CHUNK_ROWS
    for start in range(0, n, size):
        yield start, min(n, start + size)


def find_rules(frame: pl.DataFrame, tools: list[str], min_n: int = MIN_N) -> dict:
    from sklearn.tree import DecisionTreeClassifier

    y, median = _outcome(frame)
    n_all = frame.height
    base_rate = float(y.mean()) if n_all else None
    out = {"outcome_median_arpa": median, "overall_rate": base_rate, "overall_n": n_all, "rules": [], "reason": None}
    if median is None:
        out["reason"] = "no_mrr"
        return out
    if n_all < 2 * min_n or y.sum() == 0 or y.sum() == n_all:
        out["reason"] = "too_few"
        return out
    meta = _one_hot_meta(frame, tools)
    if not meta:
        out["reason"] = "no_features"
        return out
    leaf_min = max(min_n, int(math.ceil(0.01 * n_all)))
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=leaf_min, random_state=0)
    # float32: the tree's own input type (sklearn converts to it), so the fit is the same
    if n_all > TREE_MAX_ROWS:
        idx = np.random.default_rng(0).choice(n_all, TREE_MAX_ROWS, replace=False)
        tree.fit(_one_hot_rows(frame[idx], meta, tools, np.float32), y[idx])
    else:
        tree.fit(_one_hot_rows(frame, meta, tools, np.float32), y)
    leaves = np.concatenate([tree.apply(_one_hot_rows(frame[a:b], meta, tools, np.float32))
                             for a, b in _chunks(n_all)]) if n_all else np.zeros(0, dtype=np.int64)
    t = tree.tree_
    paths: dict[int, list[tuple[int, bool]]] = {}

    def walk(node: int, path: list[tuple[int, bool]]) -> None:
        if t.children_left[node] == -1:
            paths[node] = path
            return
        f = t.feature[node]
        walk(t.children_left[node], path + [(f, False)])  # feature <= 0.5: not
        walk(t.children_right[node], path + [(f, True)])

    walk(0, [])
    rules = []
    seen = set()
    for leaf, path in paths.items():
        mask = leaves == leaf
        if not mask.any():
            continue
        conds = _tighten(_conditions(path, meta), frame, y, mask, min_n)
        sig = repr(conds)
        if sig in seen:
            continue
        seen.add(sig)
        mask = _mask(conds, frame, tools)
        n = int(mask.sum())
        pos = int(y[mask].sum())
        rate = pos / n
        lo, hi = wilson(pos, n)
        rules.append({"conditions": conds, "n": n, "positives": pos, "rate": rate,
                      "lift": rate / base_rate if base_rate else None, "ci": [lo, hi], "small": n < min_n})
    rules.sort(key=lambda r: (-r["rate"], -r["n"]))
    out["rules"] = [r for r in rules if base_rate is not None and r["rate"] > base_rate]
    out["all_leaves"] = rules
    if not out["rules"]:
        out["reason"] = "no_better"
    return out


def _conditions(path: list[tuple[int, bool]], meta: list[dict]) -> list[dict]:
    """Readable conditions: a positive "field = value" makes the negatives of that field redundant."""
    conds = []
    positive_fields = {meta[f]["field"] for f, yes in path if yes and "field" in meta[f]}
    for f, yes in path:
        m = meta[f]
        if "tool" in m:
            conds.append({"op": "uses" if yes else "not_uses", "tool": m["tool"]})
        elif yes:
            conds.append({"op": "eq", "field": m["field"], "value": m["value"]})
        elif m["field"] not in positive_fields:
            conds.append({"op": "ne", "field": m["field"], "value": m["value"]})
    # positives first (fields before tools), then negatives
    return sorted(conds, key=lambda c: (c["op"] not in ("eq", "uses"), c["op"] in ("uses", "not_uses")))


def _mask(conds: list[dict], frame: pl.DataFrame, tools: list[str]) -> np.ndarray:
    mask = np.ones(frame.height, dtype=bool)
    for c in conds:
        if c["op"] in ("uses", "not_uses"):
            col = frame[f"_tool{tools.index(c['tool'])}"].to_numpy().astype(bool)
            mask &= col if c["op"] == "uses" else ~col
        else:
            col = (frame[c["field"]].fill_null("(unknown)") == c["value"]).to_numpy()
            mask &= col if c["op"] == "eq" else ~col
    return mask


def _tighten(conds: list[dict], frame: pl.DataFrame, y: np.ndarray, leaf: np.ndarray, min_n: int) -> list[dict]:
    """A field described only by exclusions ("employees ≠ 11-50") becomes "field = v" when v is
    the value most of the leaf's best customers have (at least 75% of them) and the tightened
    rule still covers min_n accounts with a rate at least as high. Makes rules readable."""
    fields = {c["field"] for c in conds if c["op"] == "ne"}
    out = list(conds)
    for field in sorted(fields):
        pos_values = frame.filter(pl.Series(leaf & y))[field].fill_null("(unknown)")
        if pos_values.len() == 0:
            continue
        vc = pos_values.value_counts(sort=True)
        value, count = vc[field][0], vc["count"][0]
        if count / pos_values.len() < 0.75:
            continue
        new = [c for c in out if not (c.get("field") == field)] + [{"op": "eq", "field": field, "value": value}]
        old_mask = leaf
        new_mask = leaf & (frame[field].fill_null("(unknown)") == value).to_numpy()
        if new_mask.sum() >= min_n and y[new_mask].mean() >= y[old_mask].mean():
            out = new
    return sorted(out, key=lambda c: (c["op"] not in ("eq", "uses"), c["op"] in ("uses", "not_uses")))


def rule_text(rule: dict, lang: str = "en") -> str:
    from icp_core.i18n import t

    parts = []
    for c in rule["conditions"]:
        if c["op"] in ("uses", "not_uses"):
            parts.append(t(f"rules.{c['op']}", lang, tool=c["tool"]))
        else:
            parts.append(t(f"rules.{c['op']}", lang, field=t(f"rules.field.{c['field']}", lang), value=c["value"]))
    return (" " + t("rules.and", lang) + " ").join(parts) if parts else t("rules.everyone", lang)


def find_clusters(frame: pl.DataFrame, tools: list[str], min_n: int = MIN_N, ks=(4, 5, 6)) -> list[dict]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n_all = frame.height
    if n_all < max(ks) * min_n:
        return []
    meta = _one_hot_meta(frame, tools)
    nums = []  # (column, mean, sd) of the standardised numeric features, over all accounts
    for c in ("employees", "annual_revenue", "company_age"):
        col = frame[c].cast(pl.Float64)
        if col.is_null().all():
            continue
        v = _numeric(col, c, col.median())
        sd = v.std()
        nums.append((c, col.median(), v.mean(), sd))
        del v
    if not nums and not meta:
        return []

    def matrix(rows: np.ndarray | slice) -> np.ndarray:
        """The feature matrix of some rows (the same numbers as one matrix over all rows)."""
        part = frame[rows]
        cols = []
        for c, median, mean, sd in nums:
            v = _numeric(part[c].cast(pl.Float64), c, median)
            cols.append((v - mean) / sd if sd > 0 else v * 0)
        X_cat = _one_hot_rows(part, meta, tools) if meta else np.zeros((part.height, 0))
        return np.column_stack(cols + [X_cat]) if cols else X_cat

    rng = np.random.default_rng(0)
    fit_idx = rng.choice(n_all, min(n_all, CLUSTER_MAX_ROWS), replace=False)
    Xf = matrix(fit_idx)
    best = None
    sil_idx = fit_idx[: min(len(fit_idx), 3000)]
    X_sil = Xf[: len(sil_idx)]
    for k in ks:
        km = KMeans(n_clusters=k, random_state=0, n_init=4).fit(Xf)
        score = silhouette_score(X_sil, km.predict(X_sil))
        if best is None or score > best[0] + 1e-9:
            best = (score, k, km)
    _, k, km = best
    del Xf, X_sil
    labels = np.concatenate([km.predict(matrix(slice(a, b))) for a, b in _chunks(n_all)])
    y, _ = _outcome(frame)
    framed = frame.with_columns(pl.Series("_cluster", labels), pl.Series("_best", y))
    out = []
    for c in range(k):
        part = framed.filter(pl.col("_cluster") == c)
        n = part.height
        if n == 0:
            continue
        prof = {"cluster": int(c), "accounts": n, "share": n / n_all}
        for field in ("industry", "size_band", "country"):
            vc = part[field].fill_null("(unknown)").value_counts(sort=True)
            prof[f"top_{field}"] = vc[field][0]
            prof[f"top_{field}_share"] = vc["count"][0] / n
        prof["tools"] = [tool for i, tool in enumerate(tools) if part[f"_tool{i}"].mean() >= 0.5]
        base = int(part["_in_base"].sum())
        retained = int(part["_retained"].sum())
        active = int(part["_active"].sum())
        mrr_active = part.filter(pl.col("_active"))["_mrr"].sum()
        nps_n = int(part["_nps_n"].sum())
        prof.update({
            "retention_12m": retained / base if base else None, "retention_n": base,
            "arpa": 12 * float(mrr_active) / active if active and part["_mrr"].is_not_null().any() else None,
            "active_accounts": active,
            "nps": 100 * (int(part["_nps_p"].sum()) - int(part["_nps_d"].sum())) / nps_n if nps_n else None,
            "nps_n": nps_n,
            "referral_rate": float(part["_ref"].fill_null(False).mean()) if part["_ref"].is_not_null().any() else None,
            "best_rate": float(part["_best"].mean()),
            "small": n < min_n,
        })
        out.append(prof)
    out.sort(key=lambda p: -(p["best_rate"]))
    return out


def _numeric(col: pl.Series, name: str, median) -> np.ndarray:
    """A numeric clustering feature: log(1 + x) of sizes (negatives as 0), company age as is;
    empty values as the median over all accounts."""
    if name != "company_age":
        return np.log1p(col.clip(lower_bound=0).fill_null(median).to_numpy())
    return col.fill_null(median).to_numpy()


def cluster_name(prof: dict, lang: str = "en") -> str:
    """A name from the dominant traits: 'Maschinenbau · 51-200 · SAP Business One'; a trait held by
    25-50% of the cluster reads 'mostly X', by fewer 'mixed industries' / 'mixed sizes'; the first
    tool used by at least half of the cluster (Excel and Teams left out as too common)."""
    from icp_core.i18n import t

    def trait(value, share, mixed_key):
        if share >= 0.5:
            return value
        return t("rules.mostly", lang, value=value) if share >= 0.25 else t(mixed_key, lang)

    parts = [trait(prof["top_industry"], prof["top_industry_share"], "rules.mixed_industry"),
             trait(prof["top_size_band"], prof["top_size_band_share"], "rules.mixed_size")]
    non_generic = [x for x in prof["tools"] if x.casefold() not in ("excel", "microsoft teams")]
    if non_generic:
        parts.append(non_generic[0])
    return " · ".join(parts)


def describe_best(cur: duckdb.DuckDBPyConnection, filters=(), min_n: int = MIN_N, as_of: date | None = None) -> dict:
    """Rules and clusters for the page and tests (plain data)."""
    frame, tools = account_features(cur, filters, as_of)
    found = find_rules(frame, tools, min_n)
    found["clusters"] = find_clusters(frame, tools, min_n)
    found["tools"] = tools
    found.pop("all_leaves", None)
    return found


def rule_rows(found: dict, lang: str = "en") -> list[dict]:
    from icp_core.i18n import fmt_number, fmt_pct, t

    return [{
        t("segments.col.rule", lang): rule_text(r, lang),
        t("segments.col.support", lang): fmt_number(r["n"], lang),
        t("segments.col.outcome_rate", lang): fmt_pct(r["rate"], lang),
        t("segments.col.interval", lang): f"{fmt_pct(r['ci'][0], lang)} – {fmt_pct(r['ci'][1], lang)}",
        t("segments.col.lift_plain", lang): fmt_number(r["lift"], lang, 2),
    } for r in found["rules"]]


def cluster_rows(found: dict, lang: str = "en") -> list[dict]:
    from icp_core.i18n import fmt_money, fmt_number, fmt_pct, t

    rows = []
    names: dict[str, int] = {}
    for p in found["clusters"]:
        name = cluster_name(p, lang)
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name} ({names[name]})"
        rows.append({
            t("segments.col.cluster", lang): name,
            t("segments.col.accounts", lang): fmt_number(p["accounts"], lang),
            t("segments.col.share", lang): fmt_pct(p["share"], lang),
            t("segments.col.traits", lang): t("rules.profile", lang, industry=p["top_industry"],
                                               ishare=fmt_pct(p["top_industry_share"], lang, 0),
                                               size=p["top_size_band"], sshare=fmt_pct(p["top_size_band_share"], lang, 0),
                                               tools=", ".join(p["tools"]) or "–"),
            t("segments.col.outcome_rate", lang): fmt_pct(p["best_rate"], lang),
            t("segments.col.retention", lang): f"{fmt_pct(p['retention_12m'], lang)} (n={fmt_number(p['retention_n'], lang)})",
            t("segments.col.arpa", lang): fmt_money(p["arpa"], lang),
            t("segments.col.nps", lang): f"{fmt_number(p['nps'], lang)} (n={fmt_number(p['nps_n'], lang)})",
            t("segments.col.referral", lang): fmt_pct(p["referral_rate"], lang),
        })
    return rows
