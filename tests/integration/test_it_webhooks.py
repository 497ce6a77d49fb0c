"""``cci.webhooks`` against FakeCircleCI over TCP: webhooks made, listed over several pages,
changed and deleted, compared with the fake's own state; the secret stays masked."""

from __future__ import annotations

import pytest
from _it_helpers import PAGE_SIZE, seeded_fake

from aiocircle import NotFoundError
from aiocircle.models import WebhookEvent
from aiocircle.testing._api_webhooks import WebhooksState

SECRET = "whsec-7f3a9c2b"


async def test_a_webhook_is_created_listed_updated_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project, other = list(fake.state.projects.values())[:2]
        stored = fake.state.part(WebhooksState).webhooks
        made = [
            await cci.webhooks.create(
                f"hook-{n}",
                f"https://hooks.example.com/{n}",
                ["workflow-completed"] if n % 2 else list(WebhookEvent),
                scope_id=project.id,
                signing_secret=SECRET,
                verify_tls=n % 2 == 0,
            )
            for n in range(5)
        ]
        assert stored[made[0].id].signing_secret == SECRET
        assert made[0].signing_secret == "xxxx" + SECRET[-4:]
        assert made[1].events == [WebhookEvent.WORKFLOW_COMPLETED]
        assert made[0].scope.id == project.id and made[0].scope.type == "project"
        assert SECRET not in repr(made)

        listed = await cci.webhooks.list(project.id).collect()
        assert [w.id for w in listed] == [w.id for w in made] == list(stored)
        assert len(listed) > 2 * PAGE_SIZE  # three pages
        assert fake.stats.count("GET /webhook") == 3
        assert await cci.webhooks.list(other.id).collect() == []

        assert await cci.webhooks.get(made[2].id) == made[2]
        changed = await cci.webhooks.update(
            made[2].id, name="renamed", signing_secret="whsec-rotated", verify_tls=False
        )
        assert (changed.name, changed.verify_tls, changed.url) == (
            "renamed",
            False,
            made[2].url,
        )
        assert changed.signing_secret == "xxxxated" and changed.updated_at > made[2].updated_at
        assert stored[made[2].id].signing_secret == "whsec-rotated"

        deleted = await cci.webhooks.delete(made[3].id)
        assert deleted.message == "Webhook deleted." and made[3].id not in stored
        with pytest.raises(NotFoundError, match="Webhook not found"):
            await cci.webhooks.get(made[3].id)
        with pytest.raises(NotFoundError, match="Project not found"):
            await cci.webhooks.list("5034460f-c7c4-4c43-9457-de07e2029e7b").collect()
