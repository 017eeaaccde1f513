"""Pytest plugin: two tenants in every test database that asks, and clients per role.

Tenant A: provider `pa` serving clients `ca1` and `ca2`. Tenant B: provider `pb` serving
client `cb`. `people[(org_slug, role)]` is a user with that role, so a leak between the
two tenants fails a test. `multi_vendor` adds provider `pc` serving `ca1` beside `pa` (one
client, two providers, as 极客数码 with 丁卯 and 星河 in the demo): each provider sees only its
own work for the client, the client sees both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# A test never depends on wall-clock speed: no per-example deadline, and no "too slow" health
# check (both fail on a loaded 2-core machine while the code is right). CI runs the property
# tests on a fixed sequence of examples, so a landing never depends on a lucky draw;
# developers' runs keep exploring new examples.
_unhurried = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("kefu", **_unhurried)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, **_unhurried)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "kefu")

T = TypeVar("T")

if TYPE_CHECKING:  # Django is not set up yet when pytest loads this plugin
    from django.test import Client

    from kefu.core.scope import Scope
    from kefu.tenancy.models import Organization, User


@dataclass
class Tenants:
    pa: Organization
    ca1: Organization
    ca2: Organization
    pb: Organization
    cb: Organization
    people: dict[tuple[str, str], User] = field(default_factory=dict)
    pc: Organization | None = None  # set by the `multi_vendor` fixture

    def user(self, org: str, role: str) -> User:
        return self.people[(org, str(role))]

    def scope(self, org: str, role: str) -> Scope:
        from kefu.tenancy import selectors

        organization: Organization = getattr(self, org)
        found = selectors.scope_for_user(self.user(org, role), organization_id=organization.pk)
        assert found is not None
        return found

    def playing(self, **parts: str) -> Tenants:
        """The same organisations with some playing another's part: `playing(pb="pc", cb="ca1")`
        makes "pb" mean provider pc and "cb" mean client ca1, people included, so helpers written
        for tenant B build pc's work for ca1 instead."""
        view = dataclasses.replace(self, people=dict(self.people))
        for part, org in parts.items():
            setattr(view, part, getattr(self, org))
            for (slug, role), user in self.people.items():
                if slug == org:
                    view.people[(part, role)] = user
        return view

    def client_for(self, org: str, role: str) -> Client:
        from django.test import Client

        client = Client()
        client.force_login(self.user(org, role))
        return client


@pytest.fixture
def tenants(db: None) -> Tenants:
    return make_tenants()


def make_tenants() -> Tenants:
    """Providers pa and pb, clients ca1 and ca2 (pa's) and cb (pb's), one person per role each.
    The `tenants` fixture's world; a module that builds its world once calls it directly."""
    from kefu.core.scope import OrgKind
    from kefu.testing.factories import EngagementFactory, OrganizationFactory

    pa = OrganizationFactory(kind=OrgKind.PROVIDER, name="甲服务商", slug="pa")
    pb = OrganizationFactory(kind=OrgKind.PROVIDER, name="乙服务商", slug="pb")
    ca1 = OrganizationFactory(kind=OrgKind.CLIENT, name="家居店", slug="ca1")
    ca2 = OrganizationFactory(kind=OrgKind.CLIENT, name="美妆店", slug="ca2")
    cb = OrganizationFactory(kind=OrgKind.CLIENT, name="数码店", slug="cb")
    for provider, client in [(pa, ca1), (pa, ca2), (pb, cb)]:
        EngagementFactory(provider=provider, client=client)
    result = Tenants(pa=pa, ca1=ca1, ca2=ca2, pb=pb, cb=cb)
    for org in (pa, pb, ca1, ca2, cb):
        _staff(result, org)
    return result


def _staff(tenants: Tenants, org: Organization) -> None:
    """One user per role of `org`, written in two inserts: thousands of tests start here, and one
    factory call per person (insert, password update, membership) cost 80 ms a test."""
    from kefu.core.roles import ROLES_BY_KIND
    from kefu.core.scope import OrgKind
    from kefu.tenancy.models import Membership, User
    from kefu.testing.factories import UserFactory

    roles = ROLES_BY_KIND[OrgKind(org.kind)]
    users = User.objects.bulk_create(UserFactory.build(username=f"{org.slug}_{role.value}") for role in roles)
    Membership.objects.bulk_create(
        Membership(user=user, organization=org, role=role) for user, role in zip(users, roles, strict=True)
    )
    for user, role in zip(users, roles, strict=True):
        tenants.people[(org.slug, role.value)] = user


@contextlib.contextmanager
def rows_for_the_module(db_blocker: Any, make: Callable[[], T]) -> Iterator[T]:
    """Rows a module's tests all read, made once: `make()` runs in a transaction held open
    across the module, each test's own transaction nests in it as a savepoint (so a test still
    sees only its own changes undone), and the whole is rolled back after the last test. For a
    module-scoped fixture, with pytest-django's `django_db_blocker`; tests still ask for `db`.
    What `make` returns must not be changed by the tests (its rows are rolled back per test,
    Python objects are not)."""
    from django.db import connection, transaction

    with db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with db_blocker.unblock():
            made = make()
            # Check the rows' deferred foreign keys now, in the outer transaction. Left pending,
            # each test's closing constraint check (in its savepoint) fired them all again, and
            # the savepoint's rollback put them back for the next test.
            connection.check_constraints()
        yield made
    finally:
        with db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def multi_vendor(tenants: Tenants) -> Tenants:
    """`tenants` plus provider `pc` (星河) serving client `ca1` beside `pa` (丁卯), with every role."""
    from kefu.core.scope import OrgKind
    from kefu.testing.factories import EngagementFactory, OrganizationFactory

    tenants.pc = OrganizationFactory(kind=OrgKind.PROVIDER, name="星河", slug="pc")
    EngagementFactory(provider=tenants.pc, client=tenants.ca1)
    _staff(tenants, tenants.pc)
    return tenants


@pytest.fixture
def password() -> str:
    from kefu.testing.factories import TEST_PASSWORD

    return TEST_PASSWORD


@pytest.fixture
def in_english(settings: Any) -> Iterator[None]:
    """English messages for tests that match message text (the default UI is Chinese)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the default language. A request as a user who reads English
    leaves its thread in English (the middleware activates the user's language, and Django
    deactivates nothing after a response), so a later test on the same worker rendered a lazy
    message in English. Reset after the test too: the next module's fixtures run before this."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_token_scopes() -> Iterator[None]:
    """Bearer scopes and webhook endpoints are cached per process; each test starts without
    another test's."""
    yield
    from kefu.connectors import webhooks
    from kefu.tenancy import services

    services.api_token_cache_clear()
    webhooks.endpoints_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_routing_config() -> Iterator[None]:
    """Routing's configuration is cached per process under a version the test's rollback
    restores: each test starts (and ends) without another test's cache."""
    from kefu.routing import config_cache

    config_cache.clear()
    yield
    config_cache.clear()


# Test files whose cases are independent and many: xdist spreads each over this many work units
# instead of sending the whole file to one worker.
SPREAD_FILES = {"tests/test_tenant_isolation.py": 16}

# Files of few tests that take a minute or more on one worker (commands in subprocesses, fuzzing,
# crash recovery, demo data), heaviest first. xdist orders work units by their number of tests,
# so these came last, and one worker ran them alone for the last two minutes of a CI run. They
# go first now, beside the many small units (`tests/test_xdist_scheduling.py` checks they exist).
HEAVY_FIRST = (
    "tests/test_cli.py",
    "src/kefu/cli/tests/test_worker.py",
    "tests/test_api_fuzz.py",
    "tests/test_tenant_isolation_inputs.py",
    "tests/test_ingest_crash.py",
    "tests/test_migrations.py",  # on PostgreSQL: `kefu migrate` on an empty database
    "src/kefu/analytics/tests/test_rollups_property.py",
    "src/kefu/desk/tests/test_demo_day.py",
    "src/kefu/desk/tests/test_demo_history.py",
)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    """Before pytest-django drops the test databases (`django_db_setup`'s end), end the other
    sessions still on them: threads the ASGI tests leave behind keep their connections (a kept
    request thread, `config.request_threads`; the ingest writer's), and PostgreSQL refuses to
    drop a database someone is connected to, which left it for the next run."""
    result = yield
    if fixturedef.argname == "django_db_setup":
        blocker = request.getfixturevalue("django_db_blocker")
        fixturedef.addfinalizer(lambda: _end_other_sessions(blocker))
    return result


def _end_other_sessions(blocker: Any) -> None:
    from django.db import connections

    with blocker.unblock():
        for connection in connections.all():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, except that the files in SPREAD_FILES are cut into several units and
    those in HEAVY_FIRST are sent first.

    A file's tests share their module-scoped fixtures (a demo run, an IMAP server, a live
    server) only on one worker, so files stay whole. The isolation matrix holds 70 % of the
    suite; as one unit it was CI's critical path while the other worker sat idle. Its cases
    go to a unit by a stable hash of their id, so every run splits them the same way.
    (`--dist loadgroup` with marks would do this, but pytest-xdist 3.8 cannot rename node
    ids under pytest 9, so its groups are silently ignored.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LoadFileSpreadingScheduling(LoadScopeScheduling):
        heavy_moved = False

        def _split_scope(self, nodeid: str) -> str:
            return xdist_unit(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self.heavy_moved:  # the first assignment: the whole queue is known
                self.heavy_moved = True
                heavy_first(self.workqueue)
            super()._assign_work_unit(node)

    return LoadFileSpreadingScheduling(config, log)


def heavy_first(workqueue: OrderedDict[str, Any]) -> None:
    """Move the HEAVY_FIRST files to the front of xdist's queue of work units, in that order."""
    for path in reversed(HEAVY_FIRST):
        if path in workqueue:
            workqueue.move_to_end(path, last=False)


def xdist_unit(nodeid: str) -> str:
    """The work unit a test goes to: its file, or for SPREAD_FILES one of the file's units."""
    path = nodeid.split("::", 1)[0]
    units = SPREAD_FILES.get(path)
    if units is None:
        return path
    return f"{path}#{zlib.crc32(nodeid.encode()) % units}"
