"""The one place crossmusim talks to the Hugging Face Hub: the token, one commit, one download, and
errors as one line. The token comes only from the environment (`HF_TOKEN`, or `huggingface-cli
login`); `HF_ENDPOINT` points to another Hub; `HF_HUB_OFFLINE=1` keeps to the local cache."""

from __future__ import annotations

from pathlib import Path

from crossmusim.errors import UserError


def check_token(option: str) -> str:
    import huggingface_hub  # imported on use: only a push needs it

    token = huggingface_hub.get_token()
    if not token:
        raise UserError(f"{option} needs a Hugging Face token: set HF_TOKEN (or run huggingface-cli login)")
    return token


def _connection_error(exc: Exception) -> bool:
    # No connection: the client's HTTP library (httpx, or its fork) raises its own transport errors.
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0].startswith("httpx")


def commit(repo_id: str, repo_type: str, operations: list, message: str, kept: str, option: str) -> str:
    """Create the repo if needed and commit `operations` to it; returns the commit URL. `kept` says
    what stays on this machine when the push fails."""
    import huggingface_hub as hub

    api = hub.HfApi(token=check_token(option))
    try:
        api.create_repo(repo_id, repo_type=repo_type, exist_ok=True)
        done = api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type)
    except hub.errors.HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        detail = (exc.server_message or str(exc).splitlines()[0]).strip().splitlines()[0]
        raise UserError(f"pushing to the Hub as {repo_id} failed (HTTP {status}: {detail}); {kept}") from None
    except Exception as exc:
        if not _connection_error(exc):
            raise
        raise UserError(f"pushing to the Hub as {repo_id} failed ({exc}); {kept}") from None
    return done.commit_url


def download(repo_id: str, repo_type: str = "model", revision: str | None = None) -> Path:
    """The repo's files in the local Hugging Face cache (fetched when the Hub can be reached, else the
    cached snapshot); a repo neither reachable nor cached is one line."""
    import huggingface_hub as hub

    try:
        return Path(hub.snapshot_download(repo_id, repo_type=repo_type, revision=revision))
    except hub.errors.RepositoryNotFoundError:
        raise UserError(f"{repo_id}: no such {repo_type} on the Hub ({hub.constants.ENDPOINT})") from None
    except hub.errors.RevisionNotFoundError:
        raise UserError(f"{repo_id}: no revision {revision!r} on the Hub") from None
    except hub.errors.LocalEntryNotFoundError:
        raise UserError(
            f"{repo_id}: not a folder here, not in the local Hugging Face cache, and the Hub could not be reached: "
            "give a local model folder, or connect once to cache it"
        ) from None
    except hub.errors.HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise UserError(f"{repo_id}: the Hub answered HTTP {status} ({str(exc).splitlines()[0]})") from None
    except Exception as exc:
        if not _connection_error(exc):
            raise
        raise UserError(f"{repo_id}: the Hub could not be reached ({exc}) and it is not cached") from None
