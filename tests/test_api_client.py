"""The HitPaw client against a real HTTP server on loopback, one scripted answer per test.

No mocks of ``requests``: every case goes through sockets, so dropped connections, timeouts,
refused ports and redirects behave as they do on a real network.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest

from desktop_app.api.client import HitPawClient
from desktop_app.api.connection import Connection
from desktop_app.api.defaults import BASE_URL_ENV, KEY_ENV, base_url_from_env, key_from_env
from desktop_app.api.errors import (
    ApiError,
    BadRequestError,
    ConnectionLostError,
    CutoutError,
    InvalidUrlError,
    KeyProblem,
    MalformedAnswerError,
    NoAccessError,
    NotSentError,
    OutOfCoinsError,
    ServerFaultError,
    UnknownOutcomeError,
)

KEY = "hp-TEST-key-5f1e0c77-do-not-leak"
JOB_ID = "f5007c0b-e902-4070-8c75-f337d896168f"
IMAGE_URL = "https://images.example.com/photos/cat.jpg"


# -- a tiny scripted HTTP server --------------------------------------------------------------
@dataclass
class Seen:
    method: str
    path: str
    headers: Message
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


Answer = Callable[[BaseHTTPRequestHandler], None]


class ScriptedServer:
    """Answers every request with ``self.answer`` and records what it received."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.seen: list[Seen] = []
        self.answer: Answer = lambda handler: send(handler, 500, b"no answer scripted", "text/plain")
        self.release = threading.Event()  # set at teardown so slow answers stop waiting
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.seen.append(Seen(self.command, self.path, self.headers, body))
                server.answer(self)

            do_POST = do_GET = _handle

            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # broken pipes after a timeout
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def reply(self, status: int, body: bytes | str, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.answer = lambda handler: send(handler, status, data, content_type, headers)

    def reply_json(self, envelope: object, status: int = 200) -> None:
        self.reply(status, json.dumps(envelope))

    def drop(self) -> None:
        """Read the request, then close the socket without a byte of answer."""
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        self.answer = answer

    def slow(self, seconds: float, envelope: object) -> None:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            self.release.wait(seconds)
            send(handler, 200, json.dumps(envelope).encode(), "application/json")
        self.answer = answer

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
         headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server():
    srv = ScriptedServer()
    yield srv
    srv.close()


@pytest.fixture
def client(server):
    c = HitPawClient(server.url() + "/", KEY, connect_timeout=2.0, read_timeout=2.0)
    yield c
    c.close()


def call(client: HitPawClient, endpoint: str):
    return client.submit(IMAGE_URL) if endpoint == "submit" else client.status(JOB_ID)


def assert_user_sentence(err: BaseException) -> None:
    """What the user reads: one plain sentence, no traceback, never the key."""
    assert isinstance(err, CutoutError)
    message = err.user_message
    assert str(err) == message
    assert message and message[0].isupper(), message
    assert message.rstrip().endswith("."), message
    assert "Traceback" not in message
    for text in (str(err), repr(err), err.detail, message):
        assert KEY not in text


# -- success ----------------------------------------------------------------------------------
def test_submit_success_parses_job_and_coins_and_sends_key_and_user_agent(server, client):
    server.reply_json({"code": 200, "message": "OK",
                       "data": {"job_id": JOB_ID, "consume_coins": 20}})

    result = client.submit(IMAGE_URL)

    assert result.job_id == JOB_ID
    assert result.coins == 20
    (request,) = server.seen
    assert request.method == "POST"
    assert request.path == "/api/image-segmentation"
    assert request.headers["Apikey"] == KEY
    assert request.headers["User-Agent"].startswith("Cutout")
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == {"file_url": IMAGE_URL}


def test_submit_shows_the_coins_that_come_back_not_a_fixed_number(server, client):
    server.reply_json({"code": 200, "message": "OK",
                       "data": {"job_id": JOB_ID, "consume_coins": 35}})
    assert client.submit(IMAGE_URL).coins == 35

    server.reply_json({"code": 200, "message": "OK", "data": {"job_id": JOB_ID}})
    assert client.submit(IMAGE_URL).coins is None


def test_status_success_parses_every_field_and_sends_key(server, client):
    server.reply_json({"code": 200, "message": "OK", "data": {
        "job_id": JOB_ID, "status": "COMPLETED",
        "res_url": "https://cdn.example.com/res.png",
        "mask_url": "https://cdn.example.com/mask.png",
        "original_url": "https://cdn.example.com/original.jpg"}})

    status = client.status(JOB_ID)

    assert status.job_id == JOB_ID
    assert status.status == "COMPLETED"
    assert status.res_url == "https://cdn.example.com/res.png"
    assert status.mask_url == "https://cdn.example.com/mask.png"
    assert status.original_url == "https://cdn.example.com/original.jpg"
    (request,) = server.seen
    assert request.path == "/api/task-status"
    assert request.headers["Apikey"] == KEY
    assert request.headers["User-Agent"].startswith("Cutout")
    assert request.json() == {"job_id": JOB_ID}


@pytest.mark.parametrize("value", ["CONVERTING", "ERROR"])
def test_status_passes_known_states_through(server, client, value):
    server.reply_json({"code": 200, "message": "OK", "data": {"job_id": JOB_ID, "status": value}})
    assert client.status(JOB_ID).status == value


def test_unknown_status_value_is_returned_as_is(server, client):
    server.reply_json({"code": 200, "message": "OK",
                       "data": {"job_id": JOB_ID, "status": "QUEUEING"}})
    status = client.status(JOB_ID)
    assert status.status == "QUEUEING"
    assert status.res_url is None


def test_completed_without_res_url_is_a_malformed_answer(server, client):
    server.reply_json({"code": 200, "message": "OK", "data": {
        "job_id": JOB_ID, "status": "COMPLETED", "mask_url": "https://cdn.example.com/m.png"}})
    with pytest.raises(MalformedAnswerError) as caught:
        client.status(JOB_ID)
    assert_user_sentence(caught.value)


def test_the_key_stays_out_of_the_session_and_the_repr(server, client):
    server.reply_json({"code": 200, "message": "OK",
                       "data": {"job_id": JOB_ID, "consume_coins": 20}})
    client.submit(IMAGE_URL)
    assert "Apikey" not in client.session.headers  # so result downloads never carry it
    assert KEY not in repr(client)
    assert KEY not in str(client)


def test_a_connection_never_shows_its_key_and_makes_clients_on_their_own_sessions(server):
    server.reply_json({"code": 200, "message": "OK",
                       "data": {"job_id": JOB_ID, "consume_coins": 20}})
    connection = Connection(f" {server.url()}// ", KEY)
    assert connection.base_url == server.url()
    for text in (repr(connection), str(connection), repr([connection])):
        assert KEY not in text and server.url() in text
    first, second = connection.client(), connection.client()
    assert first.session is not second.session       # a Session is never shared by threads
    assert first.submit(IMAGE_URL).job_id == JOB_ID
    assert server.seen[-1].headers["Apikey"] == KEY


def test_the_environment_is_read_in_one_place():
    env = {BASE_URL_ENV: " http://127.0.0.1:9/ ", KEY_ENV: "  "}
    assert base_url_from_env(env) == "http://127.0.0.1:9"
    assert key_from_env(env) is None                  # blank counts as unset
    assert base_url_from_env({}) is None and key_from_env({KEY_ENV: " k "}) == "k"


# -- every vendor code, in both styles ----------------------------------------------------------
CONTRACT_CODES = [
    # code, HTTP status in the table, vendor message, error class
    (100400000, 400, "No access", NoAccessError),
    (100400001, 400, "Invalid URL", InvalidUrlError),
    (100400002, 400, "Bad Request", BadRequestError),
    (100401000, 401, "Token is expired", KeyProblem),
    (100500000, 500, "Internal error", ServerFaultError),
    (110400000, 400, "api_key is not valid", KeyProblem),
    (110402000, 402, "The coins are not enough", OutOfCoinsError),
]


@pytest.mark.parametrize("endpoint", ["submit", "status"])
@pytest.mark.parametrize("style", ["http-status-from-table", "http-200"])
@pytest.mark.parametrize("code, http_status, vendor_message, error_class", CONTRACT_CODES,
                         ids=[str(row[0]) for row in CONTRACT_CODES])
def test_every_contract_code_maps_to_its_error(server, client, endpoint, style, code,
                                               http_status, vendor_message, error_class):
    server.reply_json({"code": code, "message": vendor_message, "data": None},
                      status=http_status if style == "http-status-from-table" else 200)

    with pytest.raises(CutoutError) as caught:
        call(client, endpoint)

    err = caught.value
    assert type(err) is error_class
    assert_user_sentence(err)
    if isinstance(err, ApiError):
        assert err.code == code
        assert err.vendor_message == vendor_message
    if isinstance(err, KeyProblem):
        assert err.expired is (code == 100401000)
    assert server.seen[0].headers["Apikey"] == KEY


@pytest.mark.parametrize("endpoint", ["submit", "status"])
@pytest.mark.parametrize("http_status", [200, 400])
def test_unknown_code_is_an_api_error_that_shows_the_vendor_message(server, client, endpoint,
                                                                   http_status):
    server.reply_json({"code": 100499999, "message": "Image too small", "data": None},
                      status=http_status)
    with pytest.raises(ApiError) as caught:
        call(client, endpoint)
    err = caught.value
    assert type(err) is ApiError
    assert err.code == 100499999
    assert "Image too small" in err.user_message
    assert_user_sentence(err)


# -- answers that are not the contract's envelope ---------------------------------------------
@pytest.mark.parametrize("endpoint", ["submit", "status"])
def test_html_500_is_a_server_fault(server, client, endpoint):
    server.reply(500, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
    with pytest.raises(ServerFaultError) as caught:
        call(client, endpoint)
    assert_user_sentence(caught.value)


NOT_JSON = {
    "html": "<html><body>Welcome to nginx!</body></html>",
    "truncated-json": '{"code": 200, "message": "OK", "data": {"job_id": "f5007c0b-e90',
    "json-without-code": '{"status": "ok"}',
    "json-list": "[200]",
}


@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_non_envelope_200_on_status_is_a_malformed_answer(server, client, body):
    server.reply(200, body)
    with pytest.raises(MalformedAnswerError) as caught:
        client.status(JOB_ID)
    assert_user_sentence(caught.value)


@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_non_envelope_200_on_submit_is_an_unknown_outcome(server, client, body):
    server.reply(200, body)
    with pytest.raises(UnknownOutcomeError) as caught:
        client.submit(IMAGE_URL)
    assert_user_sentence(caught.value)
    assert len(server.seen) == 1  # never resent behind the user's back


def test_status_envelope_without_data_is_a_malformed_answer(server, client):
    server.reply_json({"code": 200, "message": "OK", "data": None})
    with pytest.raises(MalformedAnswerError):
        client.status(JOB_ID)


def test_submit_without_job_id_is_an_unknown_outcome(server, client):
    server.reply_json({"code": 200, "message": "OK", "data": {"consume_coins": 20}})
    with pytest.raises(UnknownOutcomeError) as caught:
        client.submit(IMAGE_URL)
    assert_user_sentence(caught.value)


def test_body_shorter_than_its_content_length_is_a_lost_answer(server, client):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "500")
        handler.end_headers()
        handler.wfile.write(b'{"code": 200, "message": "OK", "da')
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
    server.answer = answer

    with pytest.raises(ConnectionLostError):
        client.status(JOB_ID)
    with pytest.raises(UnknownOutcomeError):
        client.submit(IMAGE_URL)


# -- the network failing ------------------------------------------------------------------------
def test_dropped_connection_on_submit_is_an_unknown_outcome(server, client):
    server.drop()
    with pytest.raises(UnknownOutcomeError) as caught:
        client.submit(IMAGE_URL)
    assert_user_sentence(caught.value)
    assert len(server.seen) == 1  # it reached the server, and was not sent twice


def test_dropped_connection_on_status_is_a_lost_connection(server, client):
    server.drop()
    with pytest.raises(ConnectionLostError) as caught:
        client.status(JOB_ID)
    assert_user_sentence(caught.value)


@pytest.fixture
def refusing_url():
    """A loopback port that is bound but never listens: connecting is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.mark.parametrize("endpoint", ["submit", "status"])
def test_connection_refused_is_not_sent(refusing_url, endpoint):
    client = HitPawClient(refusing_url, KEY, connect_timeout=2.0, read_timeout=2.0)
    with pytest.raises(NotSentError) as caught:
        call(client, endpoint)
    assert_user_sentence(caught.value)
    client.close()


def test_slow_answer_on_submit_is_an_unknown_outcome(server):
    server.slow(5.0, {"code": 200, "message": "OK", "data": {"job_id": JOB_ID}})
    client = HitPawClient(server.url(), KEY, connect_timeout=2.0, read_timeout=0.3)
    with pytest.raises(UnknownOutcomeError) as caught:
        client.submit(IMAGE_URL)
    assert_user_sentence(caught.value)
    assert len(server.seen) == 1
    client.close()


def test_slow_answer_on_status_is_a_lost_connection(server):
    server.slow(5.0, {"code": 200, "message": "OK", "data": {"job_id": JOB_ID,
                                                             "status": "CONVERTING"}})
    client = HitPawClient(server.url(), KEY, connect_timeout=2.0, read_timeout=0.3)
    with pytest.raises(ConnectionLostError) as caught:
        client.status(JOB_ID)
    assert_user_sentence(caught.value)
    client.close()


# -- redirects ----------------------------------------------------------------------------------
@pytest.fixture
def elsewhere():
    """A second server, reached by another host name, that must never see the key."""
    srv = ScriptedServer()
    srv.reply_json({"code": 200, "message": "OK",
                    "data": {"job_id": JOB_ID, "status": "CONVERTING", "consume_coins": 20}})
    yield srv
    srv.close()


@pytest.mark.parametrize("endpoint", ["submit", "status"])
@pytest.mark.parametrize("http_status", [301, 302, 307, 308])
def test_redirect_is_not_followed_and_the_key_stays_home(server, client, elsewhere, endpoint,
                                                         http_status):
    path = "/api/image-segmentation" if endpoint == "submit" else "/api/task-status"
    server.reply(http_status, b"", "text/plain",
                 headers={"Location": elsewhere.url("localhost") + path})

    with pytest.raises(ApiError) as caught:
        call(client, endpoint)

    assert caught.value.http_status == http_status
    assert_user_sentence(caught.value)
    assert len(server.seen) == 1
    assert elsewhere.seen == []  # not followed, so the Apikey never left for the other host


# -- check_key ----------------------------------------------------------------------------------
def test_check_key_accepts_a_key_that_gets_bad_request_for_a_made_up_job(server, client):
    server.reply_json({"code": 100400002, "message": "Bad Request", "data": None}, status=400)
    assert client.check_key() is None
    (request,) = server.seen
    assert request.path == "/api/task-status"  # free: never the endpoint that costs coins
    assert request.headers["Apikey"] == KEY


@pytest.mark.parametrize("code, http_status, expired", [(110400000, 400, False),
                                                         (100401000, 401, True)])
def test_check_key_raises_key_problem_for_a_bad_key(server, client, code, http_status, expired):
    server.reply_json({"code": code, "message": "api_key is not valid", "data": None},
                      status=http_status)
    with pytest.raises(KeyProblem) as caught:
        client.check_key()
    assert caught.value.expired is expired
    assert_user_sentence(caught.value)
    assert KEY not in repr(client)
