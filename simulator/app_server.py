"""The classroom app's server: Solara's ``solara run``, with websocket settings for a
crowded classroom (a longer ping timeout, no compression).

uvicorn pings every page's websocket every 20 s and closes a connection whose answer
takes longer than 20 s. A browser answers only as fast as it reads what the server
sent, and a student's laptop that falls behind with its drawing reads late; a page
whose connection closes reconnects, and stands still meanwhile. Here the answer may
take :data:`PING_TIMEOUT_S`; a page that is gone for good (a laptop closed) is still
noticed, a couple of minutes later.

Two more changes cut what the server spends while a class plays (docs/app.md, *What a
playing day costs the server*):

- uvicorn wakes ten times a second for its housekeeping (the date header, a pending
  exit), about 3 ms of CPU a second on the 2-core development machine whether any page
  plays or not; here it wakes every :data:`TICK_S`.
- Solara hands each message from the thread that made it (the playing run's) to the
  event loop that owns the socket through anyio's blocking portal, which builds a task
  group entry, a cancel scope and an event per message. :func:`direct_sends` hands
  it over with ``asyncio.run_coroutine_threadsafe`` instead: the same blocking send,
  in the same order, with the same errors, at about half the CPU.

``refsim app`` starts the server as ``python -m simulator.app_server run simulator.app
...``; the arguments are those of ``solara run``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import sys
import threading


class Stopped(KeyboardInterrupt):
    """SIGTERM, as Ctrl-C is KeyboardInterrupt: ``code`` is the exit status (143)."""

    code = 128 + signal.SIGTERM


def _terminated(number, frame) -> None:
    _terminated.called = True   # remembered: solara turns the stop into click's Abort, which forgets its cause
    raise Stopped()


_terminated.called = False


def interrupted(stop: BaseException) -> None:
    """End the server process as every refsim command ends on Ctrl-C or SIGTERM: one line,
    exit 130 (143 for SIGTERM). A stop while Solara was still importing (the address line
    printed, the page not yet served) gave a traceback, and SIGTERM ended the process with
    no line."""
    print("interrupted", file=sys.stderr)
    sys.exit(Stopped.code if _terminated.called else getattr(stop, "code", 130))


if __name__ == "__main__":   # the server process: stopped from its first instant by one line
    signal.signal(signal.SIGTERM, _terminated)
try:
    import uvicorn
except KeyboardInterrupt as stop:
    interrupted(stop)

#: Seconds between the server's pings to a page (uvicorn's default).
PING_INTERVAL_S = 20.0
#: Seconds a page may take to answer a ping before its connection is closed (uvicorn: 20).
PING_TIMEOUT_S = 120.0
#: Whether each websocket message is compressed (uvicorn: yes). A playing page gets a few
#: kB a day; compressing them took about 8% of the server's CPU per day (7.2-7.6 against
#: 6.7-6.9 ms, one session), and a classroom network carries the bytes as easily.
PER_MESSAGE_DEFLATE = False
#: Seconds between the server's housekeeping ticks (uvicorn: 0.1). Each tick checks whether
#: the server should exit, so Ctrl-C starts the shutdown within this time.
TICK_S = 0.5
#: Seconds a handed-over send waits before it checks that the event loop still runs (a
#: server shutting down): a send is then refused as to a closed socket, instead of waiting
#: for good on a loop that will not run it.
SEND_CHECK_S = 1.0


class ClassroomConfig(uvicorn.Config):
    """uvicorn's settings with the classroom's websocket settings where none are given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("ws_ping_interval", PING_INTERVAL_S)
        kwargs.setdefault("ws_ping_timeout", PING_TIMEOUT_S)
        kwargs.setdefault("ws_per_message_deflate", PER_MESSAGE_DEFLATE)
        super().__init__(*args, **kwargs)


class ClassroomServer(uvicorn.Server):
    """uvicorn's server with its housekeeping every TICK_S, and Solara's sends handed
    to the event loop directly (:func:`direct_sends`) once Solara's app is loaded."""

    async def main_loop(self) -> None:
        # uvicorn's loop, but sleeping TICK_S: on_tick counts tenths of a second (its
        # date header is renewed when the count is a multiple of 10, once a second)
        step = max(1, round(TICK_S * 10))
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + step) % 864000
            await asyncio.sleep(TICK_S)
            should_exit = await self.on_tick(counter)

    async def startup(self, sockets=None) -> None:
        # uvicorn has imported the app by now (solara.server.starlette:app); importing it
        # earlier would read Solara's settings before its run command has set them
        solara_starlette = sys.modules.get("solara.server.starlette")
        if solara_starlette is not None:
            direct_sends(solara_starlette.WebsocketWrapper)
        await super().startup(sockets)


def direct_sends(wrapper_class) -> bool:
    """Make ``wrapper_class.send_text`` (Solara's websocket wrapper) hand a message made in
    another thread to the socket's event loop with ``asyncio.run_coroutine_threadsafe``,
    not through anyio's portal; it still waits until the message is sent, and raises what
    the send raised. Calls on the loop's own thread, and wrappers without a portal, go the
    original way. Returns whether the class had what this needs (else it is left as is)."""
    original = wrapper_class.send_text
    if getattr(original, "direct", False):
        return True
    if not hasattr(wrapper_class, "_send_text_exc"):
        return False
    from solara.server.websocket import WebSocketDisconnect

    def send_text(self, data: str) -> None:
        loop = getattr(self, "event_loop", None)
        if getattr(self, "portal", None) is None or loop is None or self._thread_id == threading.get_ident():
            return original(self, data)
        future = asyncio.run_coroutine_threadsafe(self._send_text_exc(data), loop)
        while True:
            try:
                return future.result(timeout=SEND_CHECK_S)
            except concurrent.futures.TimeoutError:
                if not loop.is_running():
                    future.cancel()
                    raise WebSocketDisconnect() from None

    send_text.direct = True
    send_text.__wrapped__ = original
    wrapper_class.send_text = send_text
    return True


def main() -> None:
    """``solara run`` with the classroom's settings. Ctrl-C, the documented way to stop
    the app, ends in one 'interrupted' line and exit 130, as every other refsim command:
    solara's own command printed click's 'Aborted!' and exited 1."""
    import click

    # solara's run command builds its server with uvicorn.Config(**options) and
    # uvicorn.Server(config=...), both looked up when the server starts; it offers no
    # option for the websocket's pings nor for uvicorn's tick
    uvicorn.Config = ClassroomConfig
    uvicorn.Server = ClassroomServer
    arguments = sys.argv[1:]   # as solara's main() passes them: nothing after a '--'
    if "--" in arguments:
        arguments = arguments[:arguments.index("--")]
    try:
        from solara.__main__ import cli as solara_cli   # seconds of imports, in which a Ctrl-C is likely

        solara_cli(arguments, standalone_mode=False)
    except KeyboardInterrupt as stop:   # Ctrl-C, or SIGTERM (Stopped), uvicorn re-raising it after its shutdown
        interrupted(stop)
    except click.exceptions.Abort:   # click's (and solara's) word for a KeyboardInterrupt, SIGTERM's Stopped too
        interrupted(KeyboardInterrupt())
    except click.exceptions.ClickException as error:   # what standalone mode shows, as it shows it
        error.show()
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
