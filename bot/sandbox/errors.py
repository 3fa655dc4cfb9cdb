"""Bot API error answers, with the description strings Telegram really sends.

python-telegram-bot picks its exception class from the HTTP status and shows the
description, and bots sometimes match on the text, so these strings are copied verbatim.
"""

from __future__ import annotations

from typing import Any

CHAT_NOT_FOUND = "chat not found"
BOT_BLOCKED = "bot was blocked by the user"
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
NO_RIGHTS_RESTRICT = "not enough rights to restrict/unrestrict chat member"
NO_RIGHTS_INVITE_LINK = "not enough rights to manage chat invite link"
NO_RIGHTS_PIN = "not enough rights to manage pinned messages in the chat"
JOIN_REQUEST_MISSING = "HIDE_REQUESTER_MISSING"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
MESSAGE_TEXT_EMPTY = "message text is empty"
USER_NOT_FOUND = "user not found"


class ApiError(Exception):
    """An error answer: `{"ok": false, "error_code", "description", "parameters"?}`."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )
