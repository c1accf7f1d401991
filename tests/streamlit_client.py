"""A browser tab without a browser: one websocket session speaking Streamlit's own protocol.

The load test's simulated students (benchmarks/loadtest.py) and the tests of hostile messages
(tests/test_hostile_messages.py) both speak through it.

What the frontend does, and so what :class:`Session` does:

- Open ``ws://HOST/_stcore/stream`` (subprotocol "streamlit"), then send a ``BackMsg.rerun_script``
  whose ``ClientState`` carries the URL's query string and the page: on the first load only the
  URL path (``page_name``, e.g. "convolution"); afterwards the ``page_script_hash`` the server's
  ``navigation`` message named as the current page.
- Read ``ForwardMsg``s until ``script_finished``. ``FINISHED_EARLY_FOR_RERUN`` is not the end: the
  app asked for another run (``st.rerun``, or ``st.navigation`` settling on the page) and that run
  follows. ``page_info_changed`` carries the query string the page wrote (``st.query_params``);
  the next rerun sends it back, as the browser's address bar would.
- Keep each widget's value as the frontend's widget manager does: a widget element (``delta``
  ``new_element`` with an ``id``; ids of widgets with a key end in ``-<key>``) stores its default
  the first time it is seen, and its ``value`` whenever the server set it (``set_value``, e.g.
  a callback wrote ``st.session_state``); a full run that finished forgets the widgets it did not
  draw. Every rerun sends all stored values, with the one the student changed replaced, and a
  button click as a ``trigger_value`` for that rerun only. Value types as Chromium's frontend
  sends them (checked by decoding its frames): sliders ``double_array_value``, select sliders,
  segmented controls and multiselects ``string_array_value`` of option labels, selectboxes and
  radios ``string_value`` labels, whole-number inputs ``int_value``, an uploader without files an
  empty ``file_uploader_state_value``. Data editors (``dataframe`` elements with an id), charts'
  selections and tabs are not sent until touched (the server keeps their value); an editor's state,
  once set, is its JSON as a ``string_value`` (``{"edited_rows", "added_rows", "deleted_rows"}``).
- Cached messages: the client lists no ``cached_message_hashes``, so the server sends every
  message in full and never a ``ref_hash`` (one would be reported as a problem).
- Uploads: ``BackMsg.file_urls_request`` -> ``ForwardMsg.file_urls_response`` with one upload
  URL per file; a multipart PUT of each file to ``/_stcore/upload_file/<session>/<file>`` with
  the ``_streamlit_xsrf`` cookie (set by GET /_stcore/health) echoed in the ``X-Xsrftoken``
  header (every cookie the first requests got goes with the websocket and each upload, as a
  browser's would: behind a sticky proxy, its cookie keeps the tab on one replica); then a rerun whose uploader state (``file_uploader_state_value``) lists the files.
  Replaced files are DELETEd, as the frontend does when a file is removed from the uploader.
- Fragments with ``run_every`` announce themselves with ``auto_rerun``; :meth:`Session.rerun`
  with ``fragment_id`` and ``auto=True`` is the frontend's timer firing.
- A widget drawn inside a fragment (its ``delta.fragment_id``) reruns that fragment alone when it
  changes or is clicked, with the fragment's id in ``rerun_script.fragment_id``, as Chromium does
  (a Convolution slider, decoded from its frames); a fragment's run forgets only the widgets of
  that fragment that it no longer draws.

Nothing else is answered (no heartbeats, no media downloads). Latency is measured from sending
the rerun's BackMsg to receiving its final ``script_finished``: the server's whole answer to a
widget change, which the browser then draws.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

TIMEOUT_S = 30.0  # a rerun, an upload or a connection slower than this counts as an error
XSRF_COOKIE = "_streamlit_xsrf"
REPLICA_COOKIE = "stride_replica"  # the sticky proxy's cookie (docker/Caddyfile.cluster): which replica a tab is on
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "success",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "early_for_rerun",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment_success",
}
ALERT_KINDS = {1: "error", 2: "warning", 3: "info", 4: "success"}
# the Element types whose value the client keeps and sends (st.checkbox and st.toggle are "checkbox",
# st.segmented_control and st.pills "button_group", st.select_slider a "slider" with options)
WIDGET_KINDS = {"slider", "selectbox", "radio", "checkbox", "number_input", "text_input", "text_area",
                "button_group", "multiselect", "file_uploader", "dataframe"}  # fmt: skip
TRIGGERS = {"button", "download_button"}


class ProtocolError(Exception):
    """The session cannot go on: closed, timed out, or the server refused a request."""


@dataclass
class Widget:
    """A widget the server drew in this session (the latest proto of its element)."""

    id: str
    kind: str  # the Element oneof name: "slider", "selectbox", "button", ...
    proto: Any
    fragment_id: str = ""  # the fragment that drew it ("": the page's full run)

    @property
    def key(self) -> str | None:
        # ids are "$$ID-<hash>-<user key>", with "None" for widgets without a key
        key = self.id.split("-", 2)[2] if self.id.count("-") >= 2 else None
        return None if key == "None" else key

    @property
    def options(self) -> list[str]:
        """The labels of a choice widget's options, as its state sends them."""
        if self.kind == "button_group":
            return [o.content for o in self.proto.options]
        return list(getattr(self.proto, "options", []))

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")


@dataclass
class RunOutcome:
    """What one rerun request brought back."""

    latency_ms: float  # BackMsg sent -> final script_finished received
    status: str  # FINISHED's name of the final script_finished
    app_reruns: int = 0  # runs that ended early because the app asked for another (st.rerun)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (error|warning|info|success, body)
    exceptions: list[str] = field(default_factory=list)  # "Type: message" of exception elements
    texts: list[str] = field(default_factory=list)  # the Markdown and code the page drew, in order
    problems: list[str] = field(default_factory=list)  # protocol trouble: ref_hash, page_not_found, ...
    messages: int = 0
    bytes: int = 0


@dataclass
class _Pending:
    future: asyncio.Future
    outcome: RunOutcome
    started: float


def _element_value(widget: Widget, from_value: bool) -> WidgetState | None:
    """Return the state the frontend stores for a widget: its default, or the value the server set."""
    p, kind, state = widget.proto, widget.kind, WidgetState(id=widget.id)
    if kind == "slider" and p.options:  # st.select_slider: the labels of the chosen options
        if from_value:
            labels = list(p.raw_value) or [p.options[int(v)] for v in p.value if 0 <= int(v) < len(p.options)]
        else:
            labels = [p.options[int(i)] for i in p.default if 0 <= int(i) < len(p.options)]
        state.string_array_value.data.extend(labels)
    elif kind == "slider":
        state.double_array_value.data.extend(p.value if from_value else p.default)
    elif kind in ("selectbox", "radio"):
        if from_value:
            if not p.HasField("raw_value"):
                return None
            state.string_value = p.raw_value
        else:
            if not p.HasField("default") or not 0 <= p.default < len(p.options):
                return None
            state.string_value = p.options[p.default]
    elif kind == "checkbox":
        state.bool_value = p.value if from_value else p.default
    elif kind == "number_input":
        name = "value" if from_value else "default"
        if not p.HasField(name):
            return None
        if p.data_type == NumberInput.INT:  # the frontend sends whole numbers as int_value
            state.int_value = int(getattr(p, name))
        else:
            state.double_value = getattr(p, name)
    elif kind in ("text_input", "text_area"):
        name = "value" if from_value else "default"
        if not p.HasField(name):
            return None
        state.string_value = getattr(p, name)
    elif kind in ("button_group", "multiselect"):
        labels = widget.options
        values = list(p.raw_values) if from_value else [labels[i] for i in p.default if 0 <= i < len(labels)]
        state.string_array_value.data.extend(values)
    elif kind == "file_uploader" and not from_value:
        state.file_uploader_state_value.SetInParent()  # no files yet: an empty state, as the frontend sends
    else:
        return None
    return state


def _state_for(widget: Widget, value: Any) -> WidgetState:
    """Return the state a user's change sends: a slider's number, a choice's label, ..."""
    state = WidgetState(id=widget.id)
    kind, many = widget.kind, value if isinstance(value, (list, tuple)) else [value]
    if kind == "slider" and widget.proto.options:  # st.select_slider
        state.string_array_value.data.extend(str(v) for v in many)
    elif kind == "slider":
        state.double_array_value.data.extend(float(v) for v in many)
    elif kind in ("button_group", "multiselect"):
        state.string_array_value.data.extend(str(v) for v in many)
    elif kind in ("selectbox", "radio", "text_input", "text_area"):
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind == "number_input" and widget.proto.data_type == NumberInput.INT:
        state.int_value = int(value)
    elif kind == "number_input":
        state.double_value = float(value)
    elif kind == "file_uploader":
        state.file_uploader_state_value.uploaded_file_info.extend(many)
    elif kind == "dataframe":  # a data editor: its edits as the frontend's JSON, or any text a script sends
        state.string_value = value if isinstance(value, str) else json.dumps(value)
    else:
        raise ValueError(f"cannot set a {widget.kind} widget ({widget.key})")
    return state


def state_value(state: WidgetState | None) -> Any:
    """Return a stored widget state as a Python value (None when there is none)."""
    if state is None:
        return None
    which = state.WhichOneof("value")
    value = getattr(state, which) if which else None
    if which in ("double_array_value", "string_array_value"):
        return list(value.data)
    return value


def _take_cookies(reply, cookies: dict[str, str]) -> None:
    for header in reply.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    """Return the ``Cookie`` header that sends back every cookie the server set (none: no header)."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}


def fetch_cookies(base_url: str, timeout_s: float = TIMEOUT_S, kept: dict[str, str] | None = None) -> dict[str, str]:
    """GET the page and /_stcore/health as a browser does first; return the cookies they set.

    The health check is what sets the XSRF cookie; the frontend then sends the same value in the
    ``X-Xsrftoken`` header of uploads. Behind a sticky proxy the first answer sets the proxy's
    cookie (``stride_replica``): it goes with every later request and the websocket, as a browser's
    would, so the whole tab stays on one replica. ``kept``: the cookies a browser still has (a reload).
    """
    cookies = dict(kept or {})
    for path in ("/", "/_stcore/health"):
        request = urllib.request.Request(base_url + path, headers=cookie_header(cookies))
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            reply.read()
            _take_cookies(reply, cookies)
    return cookies


def _http(method: str, url: str, cookies: dict[str, str], body: bytes | None = None,
          content_type: str | None = None) -> tuple[int, str]:  # fmt: skip
    """Send one request; return its HTTP status and, for an error, the start of the answer's text."""
    headers = cookie_header(cookies)
    if XSRF_COOKIE in cookies:
        headers["X-Xsrftoken"] = cookies[XSRF_COOKIE]
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:
            reply.read()
            return reply.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(200).decode("utf-8", "replace")
    except OSError as exc:  # refused, reset, timed out
        raise ProtocolError(f"{method} {url}: {exc!r}") from None


def _multipart(name: str, data: bytes, mime: str) -> tuple[bytes, str]:
    boundary = f"----stride-load-{uuid.uuid4().hex}"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Session:
    """One simulated browser tab on one page of the app."""

    def __init__(self, base_url: str, page: str, query: str = "", timeout_s: float = TIMEOUT_S,
                 headers: dict | None = None, cookies: dict[str, str] | None = None,
                 local_host: str | None = None):  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})  # sent with the websocket, e.g. the X-Forwarded-For a proxy would add
        # the websocket's own address (a 127.x.y.z): a real proxy in front names the machine by it, not by a header
        self.local_host = local_host
        self.page = page  # the URL path of the page, as st.Page names it: "convolution"
        self.query = query
        self.timeout_s = timeout_s
        self.cookies = dict(cookies or {})  # every cookie the server (or a proxy in front) set, and the kept ones
        self.session_id = ""
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}  # id -> the widget's latest element
        self.states: dict[str, WidgetState] = {}  # id -> the value the frontend would send
        self.auto_reruns: dict[str, float] = {}  # fragment id -> interval (s) of fragments with run_every
        self.closed: str | None = None  # why the websocket closed, once it has
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._pending: _Pending | None = None
        self._file_urls: dict[str, asyncio.Future] = {}
        self._seen: set[str] = set()  # widget ids drawn by the current full run

    # --- connection --------------------------------------------------------------------------------

    async def open(self) -> RunOutcome:
        """GET / and the health check (XSRF cookie), open the websocket, load the page; return the outcome."""
        try:
            self.cookies = await asyncio.wait_for(
                asyncio.to_thread(fetch_cookies, self.base_url, self.timeout_s, self.cookies), self.timeout_s
            )
            ws_url = "ws" + self.base_url.removeprefix("http") + "/_stcore/stream"
            headers = self.headers | cookie_header(self.cookies)
            self._ws = await connect(
                ws_url,
                subprotocols=["streamlit"],
                additional_headers=headers or None,
                max_size=None,  # a page's figures come as single messages of several 100 kB
                proxy=None,
                open_timeout=self.timeout_s,
                local_addr=(self.local_host, 0) if self.local_host else None,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise ProtocolError(f"could not connect: {exc!r}") from None
        self._reader = asyncio.create_task(self._read(), name=f"read-{self.page}")
        return await self.rerun(first=True)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- widgets -----------------------------------------------------------------------------------

    def widget(self, key: str) -> Widget | None:
        """Return the widget with this user key among those drawn by the latest run, or None."""
        for widget_id in self._seen:
            widget = self.widgets[widget_id]
            if widget.key == key:
                return widget
        return None

    def value(self, key: str) -> Any:
        """Return the value the frontend holds for the widget with this key (None when it holds none)."""
        widget = self.widget(key)
        return None if widget is None else state_value(self.states.get(widget.id))

    def widget_keys(self) -> list[str]:
        return sorted(w.key for i in self._seen if (w := self.widgets[i]).key)

    # --- requests ----------------------------------------------------------------------------------

    async def rerun(
        self,
        values: dict[str, Any] | None = None,
        click: str | None = None,
        fragment_id: str | None = None,
        auto: bool = False,
        first: bool = False,
    ) -> RunOutcome:
        """Send a rerun with every stored widget value, ``values`` (key -> new value) applied; wait for it.

        ``click`` is the key of a button pressed for this rerun. Raises ProtocolError when the
        websocket closed or no final script_finished came within the timeout.
        """
        if self.closed:
            raise ProtocolError(f"websocket closed: {self.closed}")
        if self._pending is not None:
            raise RuntimeError("one request at a time per session")
        changed: dict[str, WidgetState] = {}
        for key, value in (values or {}).items():
            widget = self.widget(key)
            if widget is None:
                raise KeyError(f"no widget with key {key!r} on {self.page}; drawn: {self.widget_keys()}")
            changed[widget.id] = _state_for(widget, value)
        self.states.update(changed)  # the frontend keeps what the user chose
        client = ClientState(query_string=self.query)
        if first:
            client.page_name = self.page
        else:
            client.page_script_hash = self.page_hash
        client.widget_states.widgets.extend(self.states.values())
        if click is not None:
            button = self.widget(click)
            if button is None:
                raise KeyError(f"no button with key {click!r} on {self.page}; drawn: {self.widget_keys()}")
            client.widget_states.widgets.append(WidgetState(id=button.id, trigger_value=True))
        if not fragment_id and not first:
            # as the frontend does: a widget drawn inside a fragment reruns that fragment alone
            touched = [self.widgets[i] for i in changed] + ([button] if click is not None else [])
            fragments = {widget.fragment_id for widget in touched}
            fragment_id = fragments.pop() if len(fragments) == 1 else None
        if fragment_id:
            client.fragment_id = fragment_id
            client.is_auto_rerun = auto
        info = client.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        info.is_embedded, info.color_scheme = False, "light"
        message = BackMsg()
        message.rerun_script.CopyFrom(client)
        loop = asyncio.get_running_loop()
        self._pending = pending = _Pending(loop.create_future(), RunOutcome(0.0, ""), time.perf_counter())
        try:
            await self._ws.send(message.SerializeToString())
            return await asyncio.wait_for(asyncio.shield(pending.future), self.timeout_s)
        except TimeoutError:
            raise ProtocolError(f"no script_finished within {self.timeout_s:.0f} s") from None
        except ConnectionClosed as exc:
            raise ProtocolError(f"websocket closed: {exc}") from None
        finally:
            self._pending = None

    async def upload(
        self, key: str, files: list[tuple[str, bytes, str]], keep: bool = False
    ) -> tuple[float, RunOutcome]:
        """Upload files (name, bytes, MIME type) into the uploader ``key``, as a user dropping them would.

        Files already in the uploader are removed first (DELETE) unless ``keep``. Returns the
        seconds the HTTP part took (URL request and PUTs) and the outcome of the rerun that follows.
        """
        widget = self.widget(key)
        if widget is None:
            raise KeyError(f"no uploader with key {key!r} on {self.page}; drawn: {self.widget_keys()}")
        start = time.perf_counter()
        old = self.states.get(widget.id)
        kept: list[UploadedFileInfo] = []
        if old is not None and old.HasField("file_uploader_state_value"):
            kept = list(old.file_uploader_state_value.uploaded_file_info)
        if not keep:
            for info in kept:
                await asyncio.to_thread(_http, "DELETE", self.base_url + info.file_urls.delete_url, self.cookies)
            kept = []
        request_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = future
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.session_id = self.session_id
        message.file_urls_request.file_names.extend(name for name, _, _ in files)
        try:
            await self._ws.send(message.SerializeToString())
            response = await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            raise ProtocolError("no file_urls_response") from None
        except ConnectionClosed as exc:
            raise ProtocolError(f"websocket closed: {exc}") from None
        finally:
            self._file_urls.pop(request_id, None)
        if response.error_msg:
            raise ProtocolError(f"file_urls_response: {response.error_msg}")
        infos = []
        for (name, data, mime), urls in zip(files, response.file_urls, strict=True):
            body, content_type = _multipart(name, data, mime)
            status, text = await asyncio.to_thread(
                _http, "PUT", self.base_url + urls.upload_url, self.cookies, body, content_type
            )
            if status not in (200, 204):  # behind the proxy, say which replica the sticky cookie named
                replica = (
                    f" (replica cookie {self.cookies.get(REPLICA_COOKIE)})" if REPLICA_COOKIE in self.cookies else ""
                )
                raise ProtocolError(f"upload of {name} answered HTTP {status}{replica}: {text.strip()!r}")
            infos.append(
                UploadedFileInfo(
                    name=name,
                    size=len(data),
                    file_id=urls.file_id,
                    file_urls=FileURLs(file_id=urls.file_id, upload_url=urls.upload_url, delete_url=urls.delete_url),
                )
            )
        http_s = time.perf_counter() - start
        return http_s, await self.rerun({key: kept + infos})

    # --- reading -----------------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._handle(message, len(data))
        except ConnectionClosed as exc:
            self.closed = f"code {exc.rcvd.code if exc.rcvd else 'none'}"
        except Exception as exc:  # a message this client cannot read: report it, do not hang
            self.closed = f"client could not read a message: {exc!r}"
        else:
            self.closed = "closed by the server"
        if self._pending is not None and not self._pending.future.done():
            self._pending.future.set_exception(ProtocolError(f"websocket closed: {self.closed}"))

    def _handle(self, message: ForwardMsg, size: int) -> None:
        kind = message.WhichOneof("type")
        pending = self._pending
        outcome = pending.outcome if pending is not None else None
        if outcome is not None:
            outcome.messages += 1
            outcome.bytes += size
        if kind == "delta":
            self._delta(message, outcome)
        elif kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            running = set(message.metadata.run.fragment_ids)
            if not running:  # a full run, not a fragment's
                self._seen = set()
                self.auto_reruns = {}  # the frontend drops its timers; this run registers them again
            else:  # the fragment draws its own widgets again; what it no longer draws is gone
                self._seen = {i for i in self._seen if self.widgets[i].fragment_id not in running}
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "file_urls_response":
            future = self._file_urls.get(message.file_urls_response.response_id)
            if future is not None and not future.done():
                future.set_result(message.file_urls_response)
        elif kind == "script_finished":
            status = FINISHED.get(message.script_finished, f"status {message.script_finished}")
            if status == "early_for_rerun":
                if outcome is not None:
                    outcome.app_reruns += 1
                return
            if status in ("success", "fragment_success"):
                # the frontend forgets widgets the finished run did not draw
                for widget_id in set(self.states) - self._seen:
                    del self.states[widget_id]
            if pending is not None and not pending.future.done():
                outcome.status = status
                outcome.latency_ms = (time.perf_counter() - pending.started) * 1000
                pending.future.set_result(outcome)
        elif kind == "ref_hash" and outcome is not None:
            outcome.problems.append(f"ref_hash {message.ref_hash} (a cached message the client never had)")
        elif kind == "page_not_found" and outcome is not None:
            outcome.problems.append(f"page_not_found {message.page_not_found.page_name!r}")
        elif kind == "session_event" and outcome is not None:
            event = message.session_event
            if event.HasField("script_compilation_exception"):
                exc = event.script_compilation_exception
                outcome.exceptions.append(f"{exc.type}: {exc.message}")

    def _delta(self, message: ForwardMsg, outcome: RunOutcome | None) -> None:
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "alert" and outcome is not None:
            outcome.alerts.append((ALERT_KINDS.get(element.alert.format, "?"), element.alert.body))
        elif kind == "exception" and outcome is not None:
            exc = element.exception
            outcome.exceptions.append(f"{exc.type}: {exc.message}")
        elif kind in ("markdown", "code") and outcome is not None:
            outcome.texts.append(element.markdown.body if kind == "markdown" else element.code.code_text)
        proto = getattr(element, kind)
        widget_id = getattr(proto, "id", "") if kind in WIDGET_KINDS or kind in TRIGGERS else ""
        if not widget_id:
            return
        widget = Widget(widget_id, kind, proto, delta.fragment_id)
        self.widgets[widget_id] = widget
        self._seen.add(widget_id)
        if kind in TRIGGERS:
            return  # sent only with their click
        if getattr(proto, "set_value", False):
            state = _element_value(widget, from_value=True)
            if state is not None:
                self.states[widget_id] = state
        elif widget_id not in self.states:
            state = _element_value(widget, from_value=False)
            if state is not None:
                self.states[widget_id] = state
