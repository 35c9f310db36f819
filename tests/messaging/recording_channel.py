"""A test-only channel, chosen by ONCORD_MESSAGING_TEST_CHANNEL, that stands for a provider.

Each provider call appends one JSON line to $RECORDING_CHANNEL_LOG (fsynced, so a killed
worker's calls are still counted). $RECORDING_CHANNEL_HANG makes it hang, after writing
"<log>.hung", at "connect" (before the send is claimed) or "after_send" (the provider has
the message, the ledger does not know yet): the point where a test kills the worker.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from oncord.messaging.drafts import Draft, Receipt


class RecordingChannel:
    name = "recording"

    def __init__(self, settings, channel: str):
        self.log = Path(os.environ["RECORDING_CHANNEL_LOG"])
        self.hang_at = os.environ.get("RECORDING_CHANNEL_HANG", "")

    def __enter__(self) -> "RecordingChannel":
        if self.hang_at == "connect":
            self._hang()
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, draft: Draft) -> Receipt:
        with self.log.open("a") as fh:
            fh.write(json.dumps({"to": draft.to, "pid": os.getpid()}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if self.hang_at == "after_send":
            self._hang()
        return Receipt(provider_id=f"rec-{uuid.uuid4()}", answer="250 2.0.0 OK")

    def _hang(self) -> None:
        Path(f"{self.log}.hung").write_text(str(os.getpid()))
        while True:
            time.sleep(1)


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
