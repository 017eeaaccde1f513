"""Demo auto-QA: one shop's rules, and every replayed closed conversation inspected, as the
nightly job would have done (`kefu demo` runs this after the desk's replay)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kefu.core import clock
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.quality import autoqa_services as services
from kefu.tenancy import selectors as tenancy_selectors

# (shop slug, short names, forbidden words, forbidden promises)
RULES = (
    ("yuejia", ["悦家"], ["差评返现", "加微信"], ["包退包换", "一定给您免单"]),
    ("jike", ["极客"], ["加微信", "私下交易"], ["终身免费换新"]),
)


def load() -> int:
    """Returns how many conversations were inspected."""
    provider = tenancy_selectors.organization_by_slug("dingmao")
    if provider is not None:
        partners = tenancy_selectors.partner_ids(provider)
        scope = Scope.system(provider_id=provider.pk, client_ids=partners, permissions=all_permissions())
        for slug, aliases, words, promises in RULES:
            client = tenancy_selectors.organization_by_slug(slug)
            if client is None or client.pk not in partners:
                continue
            services.autoqa_rules_save(
                scope, client_id=client.pk, forbidden_words=words, forbidden_promises=promises,
                greeting_template="", shop_aliases=aliases, closing_phrases=[],
            )  # fmt: skip
    since = clock.now() - dt.timedelta(days=settings.KEFU_AUTOQA_LOOKBACK_DAYS)
    return sum(services.autoqa_run_due(scope, since=since) for scope in services.job_scopes())
