"""Every model module, imported in one place so that Alembic and the mappers see all
tables whatever part of the application was loaded first."""

from campaign.abuse import models as abuse  # noqa: F401
from campaign.accounts import models as accounts  # noqa: F401
from campaign.digests import models as digests  # noqa: F401
from campaign.exports import models as exports  # noqa: F401
from campaign.letters import models as letters  # noqa: F401
from campaign.moderation import models as moderation  # noqa: F401
from campaign.outbox import models as outbox  # noqa: F401
from campaign.replies import models as replies  # noqa: F401
from campaign.signing import models as signing  # noqa: F401
from campaign.statements import models as statements  # noqa: F401
from campaign.updates import models as updates  # noqa: F401
