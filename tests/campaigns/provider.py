"""A test provider for campaigns: the recording channel, plus failing or hanging on cue.

$CAMPAIGN_PROVIDER_FAIL: "permanent" refuses every message, "connect" cannot connect.
$CAMPAIGN_PROVIDER_HANG_AFTER=N: hangs once the Nth send of the whole log is recorded
(the provider has it, the ledger does not know yet), where a test kills the worker.
"""
from __future__ import annotations

import os

from oncord.messaging.channels import PermanentFailure, TemporaryFailure
from oncord.messaging.drafts import Draft, Receipt
from tests.messaging.recording_channel import RecordingChannel, calls

PROVIDER = "tests.campaigns.provider:CampaignProvider"


class CampaignProvider(RecordingChannel):
    def __enter__(self) -> "CampaignProvider":
        if os.environ.get("CAMPAIGN_PROVIDER_FAIL") == "connect":
            raise TemporaryFailure("The mail server refused the username or password: 535 5.7.8 Authentication failed")
        return super().__enter__()

    def send(self, draft: Draft) -> Receipt:
        if os.environ.get("CAMPAIGN_PROVIDER_FAIL") == "permanent":
            raise PermanentFailure("The mail server refused it: 550 5.1.1 Mailbox unavailable", code="550")
        receipt = super().send(draft)
        hang_after = int(os.environ.get("CAMPAIGN_PROVIDER_HANG_AFTER", "0"))
        if hang_after and len(calls(self.log)) == hang_after:
            self._hang()
        return receipt
