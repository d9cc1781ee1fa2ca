"""The dashboard's fixture programme, trainings and referral schemes, for the API's tests."""

from tests.curricula.conftest import make_module, make_training  # noqa: F401
from tests.dashboard.conftest import programme  # noqa: F401
from tests.referrals.conftest import referrals  # noqa: F401
