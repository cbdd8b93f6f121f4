"""Optional bearer-token authentication.

Tokens come from a file (one per line; blank lines and ``#`` comments ignored) and/or an
environment variable (comma-separated). A call presents ``authorization: Bearer <token>``; it is
compared with every configured token in constant time (:func:`hmac.compare_digest`), so the
time taken does not tell how much of a guess was right. Tokens are never logged: the access log
records only whether a call was authenticated.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from pathlib import Path

_SCHEME = "bearer "


class TokenSet:
    """The accepted tokens."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = tuple(t.encode() for t in tokens if t)
        if not self._tokens:
            raise ValueError("token authentication needs at least one non-empty token")

    @classmethod
    def load(cls, *, file: str | Path | None, env_value: str | None) -> TokenSet | None:
        """Tokens from ``file`` and ``env_value``; None when neither gives any (auth off)."""
        tokens: list[str] = []
        if file is not None:
            for line in Path(file).read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    tokens.append(line)
        if env_value:
            tokens.extend(t.strip() for t in env_value.split(",") if t.strip())
        return cls(tokens) if tokens else None

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:  # never show the tokens themselves
        return f"TokenSet({len(self)} tokens)"

    def accepts(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> bool:
        """Whether the call's metadata carries a valid ``authorization: Bearer`` token."""
        presented = next((value for key, value in metadata or () if key == "authorization"), None)
        if not isinstance(presented, str) or not presented.lower().startswith(_SCHEME):
            return False
        candidate = presented[len(_SCHEME) :].strip().encode()
        matched = False
        for token in self._tokens:  # compare with all of them: no early exit
            matched |= hmac.compare_digest(candidate, token)
        return matched
