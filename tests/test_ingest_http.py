"""The HTTP JSON client's credentials and its one-line errors (real server on 127.0.0.1)."""

import pytest
from archive_server import Archive, serve

from netprobe.errors import ConfigError, FetchError
from netprobe.ingest.esmond_archive import archive_root
from netprobe.ingest.http import JsonClient, authorization


def test_basic_from_file_and_environment(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\nignored second line\n")
    from_file = authorization(user="reader", password_file=secret, environ={})
    from_env = authorization(user="reader", environ={"NETPROBE_ARCHIVE_PASSWORD": "s3cret"})
    assert from_file == from_env == "Basic cmVhZGVyOnMzY3JldA=="


def test_bearer_from_file_wins_over_environment(tmp_path):
    token = tmp_path / "token"
    token.write_text("from-file\n")
    env = {"NETPROBE_ARCHIVE_TOKEN": "from-env"}
    assert authorization(token_file=token, environ=env) == "Bearer from-file"
    assert authorization(environ=env) == "Bearer from-env"
    assert authorization(environ={}) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": "reader"}, "--user reader: no password"),
        ({"password_file": "pw"}, "--password-file needs --user"),
        ({"token_file": "empty"}, "the file is empty"),
        ({"token_file": "missing"}, "cannot read it"),
    ],
)
def test_credential_mistakes(tmp_path, kwargs, message):
    (tmp_path / "pw").write_text("x\n")
    (tmp_path / "empty").write_text("\n")
    kwargs = {k: (tmp_path / v if k.endswith("_file") else v) for k, v in kwargs.items()}
    with pytest.raises(ConfigError, match=message):
        authorization(environ={}, **kwargs)


def test_bad_ca_file(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match=f"--ca-file {bad}: cannot load it as PEM"):
        JsonClient(ca_file=bad)


def test_answer_that_is_not_json_names_the_url():
    archive = Archive(documents={"/page": b"<html>maintenance</html>"})
    with serve(archive) as url, pytest.raises(FetchError) as raised:
        JsonClient(timeout=5).get(f"{url}/page", {"a": 1, "skip": None})
    message = str(raised.value)
    assert message.startswith(f"GET {url}/page?a=1: the answer is not JSON")
    assert "'<html>maintenance</html>'" in message


def test_only_http_urls():
    with pytest.raises(FetchError, match="expected an http:// or https:// URL"):
        JsonClient().get("file:///etc/passwd")


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://ps.example.org", "https://ps.example.org/esmond/perfsonar/archive/"),
        ("https://ps.example.org/", "https://ps.example.org/esmond/perfsonar/archive/"),
        (
            "https://ps.example.org/esmond/perfsonar/archive",
            "https://ps.example.org/esmond/perfsonar/archive/",
        ),
    ],
)
def test_archive_root(url, root):
    assert archive_root(url) == root
