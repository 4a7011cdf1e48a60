"""Python client of the Parley chat API.

* REST: ``ParleyUserClient`` (publishable key + user token), ``ParleyServerClient``
  (secret key) and ``ParleyAdminClient`` (operator token), blocking; ``AsyncParley…``
  are their asyncio twins. Each has ``api``, the generated client of the whole document.
* Realtime: ``ParleyRealtime`` (asyncio, WebSocket), which reconnects and resumes by itself.
* ``ParleyError`` for every refusal; ``RetryPolicy`` to wait out 429 and 503 answers.
* ``mint_user_token`` mints user tokens locally with the tenant's signing secret.
"""

from . import models
from ._async_rest import AsyncParleyAdminClient, AsyncParleyServerClient, AsyncParleyUserClient
from ._sync_rest import ParleyAdminClient, ParleyServerClient, ParleyUserClient
from .errors import ParleyError, RetryPolicy, parse_retry_after
from .realtime import ParleyRealtime, ReconnectPolicy
from .tokens import TokenContext, TokenProvider, expires_within, mint_user_token

__all__ = [
    "AsyncParleyAdminClient",
    "AsyncParleyServerClient",
    "AsyncParleyUserClient",
    "ParleyAdminClient",
    "ParleyError",
    "ParleyRealtime",
    "ParleyServerClient",
    "ParleyUserClient",
    "ReconnectPolicy",
    "RetryPolicy",
    "TokenContext",
    "TokenProvider",
    "expires_within",
    "mint_user_token",
    "models",
    "parse_retry_after",
]

__version__ = "0.1.0"
