"""schemathesis against `/openapi.json` of a real `mall serve` process: for every documented operation,
generated requests (valid and invalid) never get a 5xx, every answer has a documented status and
shape (errors: `{"error": {"code", "message", "field"?}}`), and an open auction with acknowledged bids
comes through untouched and awards correctly afterwards."""

from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mall_api.openapi import document
from tests.integration.arena import Arena, headers, mall_process, open_arena

# Who calls each role's endpoints: the ids the arena seeded, so requests reach past the role checks.
CALLERS = {"admin": "fin", "buyer": "U1", "dept": "D1", "supplier": "S1"}
MAX_EXAMPLES = 12
DURATION_S = 30


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    with mall_process(tmp_path_factory.mktemp("schemathesis"), MALL_WS_MSG_BUDGET="0") as mall:
        yield open_arena(mall, duration_s=DURATION_S)


schema = schemathesis.openapi.from_dict(document())
# The test sets each operation's token itself (a caller of a role that may call it), so schemathesis
# leaves the Authorization header alone; unknown query parameters are ignored by design, not refused.
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none", with_security_parameters=False,
                                allow_extra_parameters=False)


@schema.parametrize()
def test_http_api_conforms_to_its_document(case: Case, arena: Arena) -> None:
    roles = case.operation.definition.raw.get("x-roles") or []
    auth = headers(roles[0], CALLERS[roles[0]]) if roles else {}
    # Semantic rules beyond the schema ("a clear takes no until", a well-formed item code) may answer a
    # schema-valid request with 400 INVALID in the error shape: positive_data_acceptance does not apply.
    case.call_and_validate(base_url=arena.mall.base, headers=auth, excluded_checks=[positive_data_acceptance])


def test_auction_survives_the_fuzz(arena: Arena) -> None:
    """Runs after the fuzz (same module, later): the auction's book and result are the acknowledged bids."""
    arena.assert_intact()
    arena.assert_awarded(timeout=DURATION_S + 60)
