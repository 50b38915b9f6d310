"""Statistical checks that take minutes on a small machine run under the ``slow``
marker: ``python -m pytest`` (the README's command) skips them and ``.ci/run``
runs them too. They are listed here, by the minutes they take on a loaded
2-core machine (``--durations``), rather than decorated one by one."""

from __future__ import annotations

import pytest

#: module file -> test names (None: every test of the module, e.g. behind a costly fixture)
SLOW = {
    "test_bass.py": None,                                       # a 35 s fixture of Bass replicates
    "test_reference.py": {"test_mesa_cascade_vs_reference",     # 70 s: idiomatic Mesa is the slow side
                          "test_ic_vs_ndlib"},                  # 17 s
    "test_cascade_reduction.py": {"test_cascade_test_can_fail_when_p_is_off_by_ten_percent",
                                  "test_engine_on_a_graph_given_as_edges_matches_eon",
                                  "test_bundled_cascade_scenario_matches_peer_libraries[ndlib-ndlib_final_sizes-8]"},
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = SLOW.get(item.path.name, ())
        if names is None or item.name in names:
            item.add_marker(pytest.mark.slow)
