"""A real SMTP server for tests (aiosmtpd), collecting what arrives; it can be stopped and started."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from dataclasses import field
from email import message_from_bytes
from email import policy
from email.message import Message

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class _Collector:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content, policy=policy.default),
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.collector = _Collector()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.collector.received

    def start(self) -> None:
        self._controller = Controller(
            self.collector, hostname="127.0.0.1", port=self.port
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
