"""Below the threshold, cascades on a large random d-regular graph are Galton-Watson
trees (docs/validation.md, section 3).

On a tree-like graph where everyone has d friends, a seed invites its d friends,
and every later customer invites its d - 1 friends other than its referrer; each
invitation converts with p. The cascade is a Galton-Watson process whose root
has Binomial(d, p) children and everyone else Binomial(d - 1, p), so with
R = (d - 1) p < 1 (the mean number of descendants' children):

    E[total] = 1 + d p * 1 / (1 - R)            (root + d p subtrees of mean 1/(1 - R))
    P(total = 1) = (1 - p)^d                     (the seed converts nobody)
    P(total = 2) = d p (1 - p)^(d - 1) * (1 - p)^(d - 1)   (one child, who converts nobody)

With d = 4, p = 0.2: R = 0.6, E[total] = 3 (not 1/(1 - R) = 2.5: the root has one
more friend to invite than anyone after it), P(1) = 0.4096, P(2) = 0.2097.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import Engine

from .cascade_runs import assert_cascades_ended, cascade_roots, cascade_scenario, run_cascades
from .reference import galton_watson_mean_total

PEOPLE = 200_000
DEGREE = 4
P = 0.2
SEEDS_PER_RUN = 100
RUNS = 60


@pytest.fixture(scope="module")
def cascade_sizes() -> np.ndarray:
    """Sizes of 6,000 cascades: 100 random seeds per run, 60 runs, on one 4-regular graph
    of 200,000 people.

    Tree-like: a cascade of a few people closes a cycle with probability of order
    size^2 d / n ~ 1e-4. An invitation of one cascade finds a friend already won by
    another of the run's 100 cascades (about 300 customers in all) with probability
    ~ 300 / n = 0.15%; over about 10 invitations per cascade, each worth p * 2.5
    people, that trims the mean by about 0.25%, far inside the tolerance."""
    block = {"kind": "configuration", "degrees": [DEGREE] * PEOPLE}
    scenario = cascade_scenario(P, initial_customers=SEEDS_PER_RUN, days=30, size=PEOPLE, network=block, seed=31)
    network = Engine(scenario, 0).network
    # erasing the few self-loops and repeated ties of the stub matching leaves almost everyone with d friends
    assert (network.degree == DEGREE).mean() > 0.9999
    engines = run_cascades(scenario, RUNS, network)
    assert_cascades_ended(engines)
    sizes = []
    for engine in engines:
        adopted = engine.people.adopted_day >= 0
        per_root = np.bincount(cascade_roots(engine.people.referred_by)[adopted], minlength=PEOPLE)
        sizes.append(per_root[engine.people.adopted_day == 0])
    sizes = np.concatenate(sizes)
    assert len(sizes) == RUNS * SEEDS_PER_RUN
    return sizes


def test_mean_cascade_size_is_the_galton_watson_total(cascade_sizes):
    """Tolerance: 4 standard errors. Var(total) = d p Var(T1) + d p (1 - p) E[T1]^2 = 10 with
    subtree mean E[T1] = 2.5 and variance Var(T1) = sigma^2 / (1 - R)^3 = 7.5, so the standard
    error over 6,000 cascades is 0.04 (1.4% of 3); p = 0.22 would give 3.59 and the
    root-as-everyone-else mistake 2.5, both over 12 standard errors away."""
    R = (DEGREE - 1) * P
    expected = 1.0 + DEGREE * P * galton_watson_mean_total(R)
    assert expected == pytest.approx(3.0)
    se = cascade_sizes.std(ddof=1) / np.sqrt(len(cascade_sizes))
    print(f"measured (docs/validation.md): mean cascade size {cascade_sizes.mean():.3f} against {expected:.3f}")
    assert abs(cascade_sizes.mean() - expected) < 4 * se, (cascade_sizes.mean(), expected, se)
    assert cascade_sizes.std(ddof=1) == pytest.approx(np.sqrt(10.0), rel=0.25)


def test_first_generations_have_their_binomial_probabilities(cascade_sizes):
    """P(size 1) = (1 - p)^d and P(size 2) = d p (1 - p)^(2(d - 1)); tolerance 4 binomial
    standard errors (about 0.0064 for 6,000 cascades)."""
    n = len(cascade_sizes)
    for size, probability in ((1, (1 - P) ** DEGREE), (2, DEGREE * P * (1 - P) ** (2 * (DEGREE - 1)))):
        observed = float(np.mean(cascade_sizes == size))
        print(f"measured (docs/validation.md): P({size}) = {observed:.4f} against {probability:.4f}")
        assert abs(observed - probability) < 4 * np.sqrt(probability * (1 - probability) / n), (size, observed, probability)
