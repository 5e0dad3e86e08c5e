#!/usr/bin/python3
"""Independent reference results for fivechoice's report statistics.

Reads datasets (JSON, from study/report's TestAgainstStatsmodels) on stdin
and writes, for each, what statsmodels and scipy compute:

  - repeated-measures ANOVA on the complete cases: statsmodels AnovaRM
    (F, df, p);
  - Greenhouse-Geisser epsilon from the covariance matrix projected on
    k-1 orthonormal contrasts (numpy QR), the textbook definition, and
    the corrected p from scipy.stats.f.sf;
  - each condition against the first: scipy.stats.ttest_rel on every
    subject with both values;
  - Holm: statsmodels.stats.multitest.multipletests(method="holm") over
    the p-values that exist.

Values are transformed first as the dataset says (sqrt: sqrt(x + 0.5);
arcsine: asin(sqrt(x / 100))). Infinite numbers are written as "inf" or
"-inf" and undefined ones as null, because JSON has neither.
Run with Debian's python3 (python3-scipy, python3-statsmodels,
python3-pandas).
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.anova import AnovaRM
from statsmodels.stats.multitest import multipletests


def enc(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def transform(name, x):
    if name == "sqrt":
        return math.sqrt(x + 0.5)
    if name == "arcsine":
        return math.asin(math.sqrt(x / 100))
    return x


def anova(y):
    n, k = y.shape
    long = pd.DataFrame(
        [(f"s{i}", f"c{j}", y[i, j]) for i in range(n) for j in range(k)],
        columns=["subject", "condition", "value"],
    )
    row = AnovaRM(long, "value", "subject", within=["condition"]).fit().anova_table.iloc[0]
    f, df1, df2, p = row["F Value"], row["Num DF"], row["Den DF"], row["Pr > F"]
    # Orthonormal contrasts: the columns of Q after the first, where Q is
    # from the QR decomposition of [1, e1, ..., e(k-1)].
    q, _ = np.linalg.qr(np.column_stack([np.ones(k), np.eye(k)[:, : k - 1]]))
    c = q[:, 1:]
    m = c.T @ np.cov(y, rowvar=False, ddof=1) @ c
    eps = np.trace(m) ** 2 / ((k - 1) * np.trace(m @ m))
    pgg = stats.f.sf(f, df1 * eps, df2 * eps)
    return {"f": enc(f), "df1": enc(df1), "df2": enc(df2), "p": enc(p), "gg_epsilon": enc(eps), "gg_p": enc(pgg)}


def pairwise(x):
    out, ps = [], []
    for j in range(1, len(x[0])):
        pairs = [(r[0], r[j]) for r in x if r[0] is not None and r[j] is not None]
        res = {"n": len(pairs), "t": None, "df": None, "p": None, "p_holm": None}
        if len(pairs) >= 2:
            a = np.array([p[0] for p in pairs])
            b = np.array([p[1] for p in pairs])
            t, p = stats.ttest_rel(b, a)
            res.update(t=float(t), df=len(pairs) - 1, p=float(p))
            if not math.isnan(p):
                ps.append((len(out), p))
        out.append(res)
    if ps:
        adjusted = multipletests([p for _, p in ps], method="holm")[1]
        for (i, _), a in zip(ps, adjusted):
            out[i]["p_holm"] = float(a)
    for res in out:
        for key in ("t", "p", "p_holm"):
            res[key] = enc(res[key])
    return out


def main():
    warnings.simplefilter("ignore")  # 0/0 and x/0 in degenerate datasets are the point
    results = []
    for d in json.load(sys.stdin):
        x = [[None if v is None else transform(d["transform"], v) for v in row] for row in d["values"]]
        complete = [i for i, row in enumerate(x) if all(v is not None for v in row)]
        res = {"id": d["id"], "complete": [d["subjects"][i] for i in complete], "anova": None}
        if len(complete) >= 2:
            with np.errstate(all="ignore"):
                res["anova"] = anova(np.array([x[i] for i in complete], dtype=float))
        res["vs_reference"] = pairwise(x)
        results.append(res)
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
