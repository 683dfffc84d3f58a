"""The parts of one running service that request handlers reach through `request.app.state.services`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.templating import Jinja2Templates

from service.http.client_ip import Network
from service.intake.flood import FloodGuard
from service.intake.form_token import FormTokens
from service.privacy.email_vault import EmailVault
from service.scoring.scorer import Scorer
from service.settings import Settings
from service.store import Store


@dataclass
class Services:
    """What request handlers reach through `request.app.state.services`."""

    settings: Settings
    store: Store
    scorer: Scorer
    vault: EmailVault
    templates: Jinja2Templates
    form_tokens: FormTokens
    flood: FloodGuard
    trusted_proxies: tuple[Network, ...]
