"""The social graph: the :class:`Network` type (graph.py), the generators of each
``network`` kind (generators.py, growth.py) and the edge-list reader (edgelist.py).

``from simulator.network import Network, build_network, from_edges, load_edgelist``
is the public surface; the modules are split by concern only.
"""

from .edgelist import load_edgelist
from .generators import MAX_COMPLETE_PEOPLE, MAX_COMPLETE_TIES, build_network
from .graph import Network, from_edges

__all__ = ["Network", "from_edges", "build_network", "load_edgelist", "MAX_COMPLETE_PEOPLE", "MAX_COMPLETE_TIES"]
