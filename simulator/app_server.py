"""The classroom app's server: Solara's ``solara run``, with websocket settings for a
crowded classroom (a longer ping timeout, no compression).

uvicorn pings every page's websocket every 20 s and closes a connection whose answer
takes longer than 20 s. A browser answers only as fast as it reads what the server
sent, and a student's laptop that falls behind with its drawing reads late; a page
whose connection closes reconnects, and stands still meanwhile. Here the answer may
take :data:`PING_TIMEOUT_S`; a page that is gone for good (a laptop closed) is still
noticed, a couple of minutes later.

``refsim app`` starts the server as ``python -m simulator.app_server run simulator.app
...``; the arguments are those of ``solara run``.
"""

from __future__ import annotations

import uvicorn

#: Seconds between the server's pings to a page (uvicorn's default).
PING_INTERVAL_S = 20.0
#: Seconds a page may take to answer a ping before its connection is closed (uvicorn: 20).
PING_TIMEOUT_S = 120.0
#: Whether each websocket message is compressed (uvicorn: yes). A playing page gets a few
#: kB a day; compressing them took about 8% of the server's CPU per day (7.2-7.6 against
#: 6.7-6.9 ms, one session), and a classroom network carries the bytes as easily.
PER_MESSAGE_DEFLATE = False


class ClassroomConfig(uvicorn.Config):
    """uvicorn's settings with the classroom's websocket settings where none are given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("ws_ping_interval", PING_INTERVAL_S)
        kwargs.setdefault("ws_ping_timeout", PING_TIMEOUT_S)
        kwargs.setdefault("ws_per_message_deflate", PER_MESSAGE_DEFLATE)
        super().__init__(*args, **kwargs)


def main() -> None:
    from solara.__main__ import main as solara_main

    # solara's run command builds its server with uvicorn.Config(**options), looked up
    # when the server starts, and offers no option for the websocket's pings
    uvicorn.Config = ClassroomConfig
    solara_main()


if __name__ == "__main__":
    main()
