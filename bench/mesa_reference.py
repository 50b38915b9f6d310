"""Idiomatic per-agent Mesa 3.3 Independent Cascade (benchmark reference).

Written the way Mesa's own ``mesa/examples/basic/virus_on_network`` is: the
graph becomes a :class:`mesa.discrete_space.Network`, each person is a
:class:`mesa.discrete_space.FixedAgent` living in one cell, and a model tick
is ``self.agents.shuffle_do("step")``.

Unlike the virus example (which changes state in place, so an agent infected
earlier in a tick can already spread later in the same tick), generations
here are kept synchronous: every agent records the generation it was
activated in, and during tick ``g`` only agents activated in generation
``g - 1`` try their neighbours. Each activated agent therefore gets exactly
one chance per inactive neighbour, succeeding with probability ``p``, which
is the Independent Cascade model of ``tests/validation/reference.py``.

Usage::

    final_size = run_mesa_cascade(G, seeds=[0, 1], p=0.1, seed=42)
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

import mesa
from mesa.discrete_space import FixedAgent, Network

__all__ = ["PersonAgent", "MesaCascade", "run_mesa_cascade"]


class PersonAgent(FixedAgent):
    """One person on the network.

    ``activated_in`` is ``None`` while inactive, otherwise the generation in
    which the agent was activated (seeds: 0).
    """

    def __init__(self, model: "MesaCascade", cell, p: float):
        super().__init__(model)
        self.cell = cell
        self.p = p
        self.activated_in: int | None = None

    @property
    def active(self) -> bool:
        return self.activated_in is not None

    def activate(self, generation: int) -> None:
        self.activated_in = generation
        self.model.new_activations += 1

    def step(self) -> None:
        """Spread only if activated in the previous generation (one chance each)."""
        generation = self.model.generation
        if self.activated_in != generation - 1:
            return
        for neighbour in self.cell.neighborhood.agents:
            if not neighbour.active and self.random.random() < self.p:
                neighbour.activate(generation)


class MesaCascade(mesa.Model):
    """Independent Cascade on a networkx graph with one FixedAgent per node.

    Parameters
    ----------
    G : networkx.Graph
        Undirected graph; any hashable node labels.
    seeds : iterable of nodes
        Initially active nodes (generation 0).
    p : float
        Per-edge activation probability.
    seed : int | None
        Passed to ``mesa.Model(rng=seed)``; agents draw from ``self.random``.
    """

    def __init__(self, G: nx.Graph, seeds: Iterable, p: float, seed: int | None = None):
        super().__init__(rng=seed)
        self.grid = Network(G, capacity=1, random=self.random)
        self.generation = 0
        self.new_activations = 0
        for cell in self.grid.all_cells:
            PersonAgent(self, cell, p)  # FixedAgent.cell setter places it in the cell

        for node in dict.fromkeys(seeds):
            self.grid[node].agents[0].activate(0)
        self.final_size = self.new_activations
        self.running = self.new_activations > 0

    def step(self) -> None:
        """One synchronous generation; stop when it activates nobody."""
        self.generation += 1
        self.new_activations = 0
        self.agents.shuffle_do("step")
        self.final_size += self.new_activations
        self.running = self.new_activations > 0


def run_mesa_cascade(G: nx.Graph, seeds: Iterable, p: float, seed: int | None = None) -> int:
    """Build a :class:`MesaCascade`, step until no new activations, return the final size (seeds included)."""
    model = MesaCascade(G, seeds, p, seed)
    while model.running:
        model.step()
    return model.final_size
