#!/usr/bin/python3
"""Reference tail probabilities for analysis.FSurvival and analysis.TTwoSided.

Computed with mpmath at 60 significant digits from the exact definitions
(regularised incomplete beta), independently of any double-precision code.
Regenerate with:  /usr/bin/python3 tail_mpmath.py > tail_mpmath.json
The grid is seeded, so the output is the same every time.
"""
import json
import random

import mpmath

mpmath.mp.dps = 60
rng = random.Random(20240615)
cases = []


def f_sf(f, d1, d2):
    f, d1, d2 = mpmath.mpf(f), mpmath.mpf(d1), mpmath.mpf(d2)
    return mpmath.betainc(d2 / 2, d1 / 2, 0, d2 / (d2 + d1 * f), regularized=True)


def t_two(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    return mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True)


# F tests of one-way repeated-measures ANOVAs: k = 2..6 conditions, n = 2..48
# subjects, uncorrected and with a Greenhouse-Geisser epsilon; F from 0.01 to 1e4.
for _ in range(500):
    k = rng.randint(2, 6)
    n = rng.randint(2, 48)
    eps = rng.choice([1, 1, rng.uniform(1 / (k - 1), 1)])
    d1, d2 = (k - 1) * eps, (n - 1) * (k - 1) * eps
    f = 10 ** rng.uniform(-2, 4)
    cases.append({"kind": "F", "stat": f, "d1": d1, "d2": d2, "p": float(f_sf(f, d1, d2))})
# Paired t-tests: 1..47 df, |t| from 0.01 to 300.
for _ in range(200):
    df = rng.randint(1, 47)
    t = rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 2.5)
    cases.append({"kind": "t", "stat": t, "d1": df, "d2": 0, "p": float(t_two(t, df))})
print(json.dumps(cases, indent=0))
