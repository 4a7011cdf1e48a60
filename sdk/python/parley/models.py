"""The REST API's models (generated from ``openapi/openapi.json``): what the clients
answer, and what they accept besides plain dicts."""

from ._generated.models import *
from ._generated.models import __all__ as __all__
from ._generated.types import UNSET, Unset  # noqa: F401
