"""Request bodies of the base libraries, the catalog and tokens (API.md), as msgspec Structs.

Every body rejects unknown fields, and constraints sit on the types so that a bad value comes back
as 400 INVALID naming its field. Checks that need the store (does the category exist?) or a parser
(is `until` a valid RFC 3339 time?) are the routes' job.
"""

from typing import Annotated, Literal

import msgspec

from mall_api.auth import Role

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Money = Annotated[int, msgspec.Meta(ge=1, le=10**15)]
# Item codes are at most 9 characters (A02010105); whether one is well-formed is catalog.codes' call.
CategoryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=9)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
LawText = Annotated[str, msgspec.Meta(min_length=1, max_length=100_000)]
# The unified social credit code (统一社会信用代码): 18 digits or capital letters.
CreditCode = Annotated[str, msgspec.Meta(pattern="^[0-9A-Z]{18}$")]
Trigger = Literal["imported", "method_change", "above_threshold", "mall_auction", "single_source", "always"]
SpecValue = str | int | float | bool
TokenTtl = Annotated[int, msgspec.Meta(ge=1, le=31_536_000)]


class Body(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every request body: unknown fields are an error, not silently dropped."""


class Department(Body):
    id: Id
    name: Name


class Unit(Body):
    id: Id
    name: Name
    department_id: Id
    # Shown on the unit's announcements (national format: the buyer's address and contact).
    address: Name | None = None
    contact: Name | None = None


class Supplier(Body):
    id: Id
    name: Name
    credit_code: CreditCode
    categories: Annotated[list[CategoryCode], msgspec.Meta(min_length=1, max_length=500)]
    address: Name | None = None  # shown on deal announcements (national format)


class CreditAction(Body):
    kind: Literal["blacklist", "warning", "clear"]
    reason: Reason
    until: str | None = None


class Agency(Body):
    id: Id
    name: Name
    contact: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class Expert(Body):
    id: Id
    name: Name
    specialities: Annotated[list[Name], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class Law(Body):
    id: Id
    title: Name
    article: Name
    text: LawText
    applies_to: list[Trigger]


class Category(Body):
    code: CategoryCode
    name: Name
    parent: CategoryCode | None = None
    mall: bool = False


class CategoryPatch(Body):
    mall: bool | None = None
    name: Name | None = None


class Item(Body):
    sku: Id
    category: CategoryCode
    name: Name
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    spec: Annotated[dict[Name, SpecValue], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=dict)


class ReferencePriceRow(Body):
    sku: Id
    price_fen: Money
    source: Name
    observed_at: str


class TokenRequest(Body):
    role: Role
    id: Id
    ttl_s: TokenTtl | None = None
