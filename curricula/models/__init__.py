"""Curricula models, one module per aggregate: module versions, materials, questions and
adoption (``modules``); trainings, scores, answers and certificates (``trainings``)."""

from curricula.models.modules import (  # noqa: F401
    ADOPTION_ORDER,
    ADOPTION_STATUS_LABELS,
    AUDIENCE_LABELS,
    Adoption,
    AdoptionStatus,
    Audience,
    Module,
    ModuleMaterial,
    Question,
)
from curricula.models.trainings import (  # noqa: F401, E402
    Answer,
    Certificate,
    Participant,
    Training,
    training_modules,
)
