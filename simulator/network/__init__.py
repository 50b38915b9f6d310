"""The social graph: the :class:`Network` type (graph.py), the generators of each
``network`` kind (generators.py, growth.py), the edge-list reader (edgelist.py) and
the per-process store that reads each edge list and generates each seed's graph
once (cache.py).

``from simulator.network import Network, build_network, network_for, from_edges, load_edgelist, read_edgelist``
is the public surface; the modules are split by concern only.
"""

from .cache import clear_graph_cache, graph_cache_info, read_edgelist, set_graph_cache_limit
from .edgelist import load_edgelist
from .generators import MAX_COMPLETE_PEOPLE, MAX_COMPLETE_TIES, build_network, network_for
from .graph import Network, from_edges

__all__ = ["Network", "from_edges", "build_network", "network_for", "load_edgelist", "read_edgelist", "graph_cache_info",
           "set_graph_cache_limit", "clear_graph_cache", "MAX_COMPLETE_PEOPLE", "MAX_COMPLETE_TIES"]
